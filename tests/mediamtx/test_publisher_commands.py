"""The ``runOnDemand`` publisher commands run in real ffmpeg and publish over RTSP.

MediaMTX itself is not needed to check this: ffmpeg's RTSP demuxer in listen mode is a real
RTSP server that accepts a publisher (ANNOUNCE/RECORD), so the command is run exactly as
MediaMTX would run it (``$RTSP_PORT``/``$MTX_PATH`` expanded, split like a POSIX shell) and
the receiving side must decode a frame of it. USB commands need a /dev/video device: they are
exercised by the ``hardware`` suite; here their encoder part runs with the same arguments.
"""

from __future__ import annotations

import asyncio
import dataclasses
import glob
import re
import shlex
import shutil
import tempfile
from pathlib import Path

import pytest
from mediamtx_support import T, closed_port

from camera_service.cameras import encoder_choice
from camera_service.config.model import MediaMTXConfig
from camera_service.mediamtx.handoff import PublisherHandoff, allowed_uids
from camera_service.mediamtx.paths import path_conf_for
from camera_service.models import Camera, CameraKind, CameraMode, CameraStatus, Clock
from camera_service.publish_grants import PublishGrants

pytestmark = pytest.mark.integration

PATTERN = Camera(id="camera0", kind=CameraKind.TEST_PATTERN, name="Test pattern",
                 status=CameraStatus.CONNECTED, mode=CameraMode("testsrc2", 320, 240, 10))


def mediamtx_argv(command: str, env: dict[str, str]) -> list[str]:
    """What MediaMTX executes: variables expanded (Go's os.Expand), then shell-split."""
    expanded = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: env.get(m.group(1) or m.group(2), ""),
                      command)
    return shlex.split(expanded)


def _listening(port: int) -> bool:
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[1].endswith(f":{port:04X}") and fields[3] == "0A":
                return True
    return False


async def _stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), T)
        except TimeoutError:
            proc.kill()
            await proc.wait()


@pytest.fixture(autouse=True)
def _need_ffmpeg() -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg not installed: apt-get install ffmpeg")


async def publish_and_receive(command: str, out: Path) -> bytes:
    port = closed_port()
    receiver = await asyncio.create_subprocess_exec(
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin",
        "-rtsp_flags", "listen", "-analyzeduration", "1000000", "-timeout", str(int(3 * T)), "-i", f"rtsp://127.0.0.1:{port}/camera0",
        "-frames:v", "1", "-update", "1", "-y", str(out),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    publisher = None
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + T
        while not await asyncio.to_thread(_listening, port):
            assert receiver.returncode is None, "the RTSP receiver exited early"
            assert loop.time() < deadline, "the RTSP receiver did not listen"
            await asyncio.sleep(0.05)
        argv = mediamtx_argv(command, {"RTSP_PORT": str(port), "MTX_PATH": "camera0"})
        publisher = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        _, err = await asyncio.wait_for(receiver.communicate(), 3 * T)
        assert receiver.returncode == 0, err.decode(errors="replace")
    finally:
        await _stop(receiver)
        if publisher is not None:
            await _stop(publisher)
    return await asyncio.to_thread(out.read_bytes)


@pytest.mark.parametrize("encoder", ["libx264"])
async def test_test_pattern_publisher_streams_over_rtsp(encoder: str, tmp_path: Path) -> None:
    cfg = MediaMTXConfig(video_encoder=encoder)
    command = path_conf_for(PATTERN, cfg)["runOnDemand"]
    jpeg = await publish_and_receive(command, tmp_path / "frame.jpg")
    assert jpeg[:2] == b"\xff\xd8"


async def test_odd_frame_rate_test_pattern_publishes(tmp_path: Path) -> None:
    camera = dataclasses.replace(PATTERN, mode=CameraMode("testsrc2", 352, 288, 7.5))
    command = path_conf_for(camera, MediaMTXConfig())["runOnDemand"]
    jpeg = await publish_and_receive(command, tmp_path / "frame.jpg")
    assert jpeg[:2] == b"\xff\xd8"


def test_mediamtx_style_expansion_and_splitting() -> None:
    argv = mediamtx_argv("ffmpeg -i '/dev/v4l/by-id/a b' rtsp://127.0.0.1:$RTSP_PORT/$MTX_PATH",
                         {"RTSP_PORT": "8554", "MTX_PATH": "camera3"})
    assert argv == ["ffmpeg", "-i", "/dev/v4l/by-id/a b", "rtsp://127.0.0.1:8554/camera3"]


async def test_auto_encoder_resolved_on_this_host_publishes(tmp_path: Path) -> None:
    """``video_encoder: auto`` with the real host probe; where the host has no hardware H.264
    encoder (this machine: no /dev/video*, no /dev/dri) it is libx264, and real ffmpeg
    publishes the test pattern with it."""
    resolved, choice = await encoder_choice.resolve(MediaMTXConfig(), limit=10)
    assert resolved.video_encoder == choice.encoder and choice.reason
    if not glob.glob("/dev/video*") and not glob.glob("/dev/dri/renderD*"):
        assert choice.encoder == "libx264" and not choice.hardware
    command = path_conf_for(PATTERN, resolved)["runOnDemand"]
    assert f"-c:v {choice.encoder}" in command
    jpeg = await publish_and_receive(command, tmp_path / "frame.jpg")
    assert jpeg[:2] == b"\xff\xd8"


async def test_guarded_publisher_runs_ffmpeg_behind_our_one_time_credential_relay(
    tmp_path: Path,
) -> None:
    """With stream auth the command is ``camera_service.publisher`` in front of ffmpeg: it
    gets a credential from the service's socket, ffmpeg publishes through its relay, and
    the receiving side decodes a frame; the credential is then bound and used."""
    folder = tempfile.mkdtemp(prefix="cs-pub-")
    grants = PublishGrants(str(Path(folder) / "publish.sock"))
    handoff = PublisherHandoff(grants, lambda p: p == "camera0", allowed_uids(""), Clock(),
                               private_dir=folder)
    async with handoff:
        command = path_conf_for(PATTERN, MediaMTXConfig(), grants)["runOnDemand"]
        assert "camera_service.publisher" in command and "@" not in command
        jpeg = await publish_and_receive(command, tmp_path / "frame.jpg")
    assert jpeg[:2] == b"\xff\xd8"
