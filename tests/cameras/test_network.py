"""Network cameras: credentials never leak, ffprobe output is read right, and a real RTSP
camera is probed (and an unreachable one fails with a clear, credential-free reason)."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from camera_service.cameras.network import (
    concat_script,
    ffprobe_command,
    parse_ffprobe,
    probe_rtsp,
    redact_text,
    redact_url,
)
from camera_service.errors import ProbeError
from support.rtsp_server import RtspTestServer, free_port


@pytest.mark.unit
@pytest.mark.parametrize(("url", "safe"), [
    ("rtsp://admin:s3cret@10.0.0.5:554/stream1", "rtsp://10.0.0.5:554/stream1"),
    ("rtsp://admin@cam.local/live", "rtsp://cam.local/live"),
    ("rtsp://u:p%40ss@[fe80::1]:8554/x?a=1", "rtsp://[fe80::1]:8554/x?a=1"),
    ("rtsp://cam.local/live", "rtsp://cam.local/live"),
    ("rtsps://user:pw@h/p", "rtsps://h/p"),
])
def test_redact_url_removes_user_and_password(url: str, safe: str) -> None:
    assert redact_url(url) == safe


@pytest.mark.unit
def test_redact_text_removes_the_password_wherever_it_appears() -> None:
    url = "rtsp://admin:hunter2@10.0.0.5/s"
    text = f"[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized {url} (pw hunter2)"
    out = redact_text(text, url)
    assert "hunter2" not in out and "admin" not in out
    assert "rtsp://10.0.0.5/s" in out
    assert redact_text("see http://x:y@h/z") == "see http://h/z"


@pytest.mark.unit
def test_parse_ffprobe_reads_the_first_video_stream() -> None:
    out = json.dumps({"streams": [
        {"codec_type": "audio", "codec_name": "aac"},
        {"codec_type": "video", "codec_name": "h264", "width": 640, "height": 480,
         "avg_frame_rate": "15/1", "r_frame_rate": "30/1"},
    ]})
    info = parse_ffprobe(out)
    assert (info.codec, info.width, info.height, info.fps) == ("H264", 640, 480, 15.0)
    assert info.mode.resolution == "640x480"
    assert info.capabilities.format_names == ["H264"]


@pytest.mark.unit
def test_parse_ffprobe_falls_back_to_r_frame_rate_and_rejects_no_video() -> None:
    out = json.dumps({"streams": [{"codec_name": "hevc", "width": 1, "height": 1,
                                   "avg_frame_rate": "0/0", "r_frame_rate": "25/1"}]})
    assert parse_ffprobe(out).fps == 25.0
    with pytest.raises(ProbeError, match="no video stream"):
        parse_ffprobe('{"streams": []}')
    with pytest.raises(ProbeError, match="invalid JSON"):
        parse_ffprobe("nope")


@pytest.mark.integration
async def test_probe_reads_codec_and_size_of_a_real_rtsp_camera(rtsp_server: RtspTestServer) -> None:
    info = await probe_rtsp(rtsp_server.url, 10.0)
    assert (info.codec, info.width, info.height) == ("H264", 640, 480)
    assert info.fps == pytest.approx(15.0, abs=0.5)


@pytest.mark.integration
async def test_unreachable_camera_fails_without_leaking_credentials() -> None:
    url = f"rtsp://admin:hunter2@127.0.0.1:{free_port()}/cam0"
    with pytest.raises(ProbeError) as info:
        await probe_rtsp(url, 3.0)
    assert "hunter2" not in str(info.value) and "admin" not in str(info.value)


@pytest.mark.unit
def test_ffprobe_uses_tcp_for_rtsp_only_and_a_socket_timeout() -> None:
    rtsp = concat_script("rtsp://h/x", 2.5).splitlines()
    assert rtsp == ["ffconcat version 1.0", "file 'rtsp://h/x'", "option rtsp_transport tcp",
                    "option timeout 2500000"]
    assert "option rtsp_transport tcp" not in concat_script("http://h/mjpg", 2.5)
    assert redact_text("see http://x:y@h/z") == "see http://h/z"


@pytest.mark.unit
def test_the_url_is_never_on_the_command_line() -> None:
    command = ffprobe_command()
    assert command[-1] == "pipe:0"  # the script, with the URL, comes on stdin
    assert not any("rtsp://" in arg for arg in command)


@pytest.mark.unit
def test_quotes_in_a_password_are_escaped_and_line_breaks_refused() -> None:
    assert "file 'rtsp://u:it'\\''s@h/x'" in concat_script("rtsp://u:it's@h/x", 1)
    with pytest.raises(ProbeError, match="line break"):
        concat_script("rtsp://h/x\nfile '/etc/shadow'", 1)


@pytest.mark.integration
async def test_a_password_with_a_quote_reaches_a_real_camera(rtsp_server: RtspTestServer) -> None:
    url = rtsp_server.url.replace("rtsp://", "rtsp://admin:it's%20me@")
    info = await probe_rtsp(url, 10.0)
    assert info.codec == "H264"


def _children_cmdlines() -> list[str]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rpartition(")")[2].split()[1])
            if ppid == os.getpid():
                found.append((stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, ValueError, IndexError):
            continue
    return found


@pytest.mark.integration
async def test_the_password_is_not_in_proc_while_the_probe_runs(rtsp_server: RtspTestServer) -> None:
    url = rtsp_server.url.replace("rtsp://", "rtsp://admin:hunter2@")
    task = asyncio.create_task(probe_rtsp(url, 10.0))
    seen: list[str] = []
    while not task.done():
        seen += [c for c in _children_cmdlines() if "ffprobe" in c]
        await asyncio.sleep(0.005)
    assert (await task).codec == "H264"
    assert seen, "the ffprobe child was never seen"
    assert not any("hunter2" in c or "rtsp://" in c for c in seen), seen
