"""The real daemon with ``storage.recording_preroll`` on and a real RTSP camera (MediaMTX
absent: read directly): a pre-roll keeper runs for the connected camera,
``start_recording`` over the WebSocket answers with media from a key frame already on disk,
and SIGTERM leaves no keeper behind."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from camera_service.media import fmp4
from camera_service.rpc.auth import Role, mint_token
from support.daemon import Client, stop_process
from support.rtsp_server import RtspTestServer

from .helpers import TIMEOUT, require_ffmpeg
from .test_daemon_recordings import ENV, free_port

pytestmark = pytest.mark.ivv

SECRET = "preroll-daemon-test-secret-0123456789"
Daemon = tuple[subprocess.Popen[bytes], int, Path]  # the process, its API port, its recordings


def keepers(url: str) -> list[int]:
    """Pre-roll ffmpegs reading ``url`` (their command line copies one fragment per frame)."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().split(b"\0")
        except OSError:
            continue
        preroll = b"+frag_every_frame" in b" ".join(cmd)
        if cmd and cmd[0].endswith(b"ffmpeg") and url.encode() in cmd and preroll:
            found.append(int(entry))
    return found


@pytest.fixture
def daemon(rtsp_server_module: RtspTestServer, tmp_path: Path) -> Iterator[Daemon]:
    require_ffmpeg()
    port, state = free_port(), tmp_path / "state"
    config = tmp_path / "config.yaml"
    config.write_text(
        f"server: {{host: 127.0.0.1, port: {port}}}\n"
        f"auth: {{jwt_secret: {SECRET}}}\n"
        "mediamtx: {api_url: 'http://127.0.0.1:9'}\n"
        "cameras:\n  udev: false\n  test_pattern: false\n  network_probe_interval: 1\n"
        f"  network:\n    - url: {rtsp_server_module.url}\n"
        f"storage: {{state_dir: {state}, min_free_mb: 1, recording_preroll: true}}\n"
        "logging: {target: console}\n"
    )
    with open(tmp_path / "daemon.log", "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "camera_service", "--config", str(config)],
                                env=ENV, stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        yield proc, port, state / "recordings"
    finally:
        stop_process(proc)


async def test_a_recording_over_the_websocket_has_media_on_disk_when_it_answers(
    daemon: Daemon, rtsp_server_module: RtspTestServer
) -> None:
    proc, port, recordings = daemon
    deadline = time.monotonic() + 2 * TIMEOUT
    while not keepers(rtsp_server_module.url):
        assert proc.poll() is None and time.monotonic() < deadline, "no pre-roll keeper"
        await asyncio.sleep(0.1)
    while True:  # the keeper starts before the API listens
        try:
            client = await Client.connect(f"ws://127.0.0.1:{port}/ws")
            break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "the API does not answer"
            await asyncio.sleep(0.1)
    token = mint_token(SECRET, "test", Role.parse("operator"), 3600, time.time())
    took: list[float] = []
    try:
        assert "result" in await client.call("authenticate", {"auth_token": token})
        while len(took) < 3:  # the first ones may come before the keeper holds a GOP
            assert time.monotonic() < deadline, f"no recording from the held GOP; took {took}"
            t0 = time.perf_counter()
            reply = await client.call("start_recording", {"device": "camera0"})
            answered = time.perf_counter() - t0
            assert "result" in reply, reply
            head = await asyncio.to_thread((recordings / reply["result"]["filename"]).read_bytes)
            assert "result" in await client.call("stop_recording", {"device": "camera0"})
            if fmp4.holds_media(head):
                took.append(answered)
    finally:
        await client.close()
    print(f"start_recording over the WebSocket from the held GOP: {[round(t, 4) for t in took]} s")
    assert statistics.median(took) < 0.3
    await asyncio.to_thread(stop_process, proc)
    assert proc.returncode == 0 and keepers(rtsp_server_module.url) == []
