"""The real daemon with ``storage.snapshot_keyframes`` on and a real RTSP camera (MediaMTX
absent: read directly): a key-frame keeper runs for the connected camera, ``take_snapshot``
over the WebSocket answers with the kept key frame at once, and SIGTERM leaves neither the
keeper's ffmpeg nor its picture behind."""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from camera_service.rpc.auth import Role, mint_token
from support.daemon import Client, stop_process
from support.rtsp_server import RtspTestServer

from .helpers import TIMEOUT, require_ffmpeg
from .test_daemon_recordings import ENV, ffmpeg_writing_under, free_port

pytestmark = pytest.mark.ivv

SECRET = "keyframes-daemon-test-secret-0123456789"


class KeeperDaemon:
    def __init__(self, tmp: Path, camera_url: str) -> None:
        self.port = free_port()
        self.state = tmp / "state"
        self.kept = self.state / "keyframes" / "camera0.jpg"
        config = tmp / "config.yaml"
        config.write_text(
            f"server: {{host: 127.0.0.1, port: {self.port}}}\n"
            f"auth: {{jwt_secret: {SECRET}}}\n"
            "mediamtx: {api_url: 'http://127.0.0.1:9'}\n"
            "cameras:\n  udev: false\n  test_pattern: false\n  network_probe_interval: 1\n"
            f"  network:\n    - url: {camera_url}\n"
            f"storage: {{state_dir: {self.state}, min_free_mb: 1, snapshot_keyframes: true}}\n"
            "logging: {target: console}\n"
        )
        self.log = tmp / "daemon.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "camera_service", "--config", str(config)],
                env=ENV, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def wait(self, what: str, check: object) -> None:
        deadline = time.monotonic() + TIMEOUT * 2
        while not callable(check) or not check():
            assert self.proc.poll() is None, f"daemon exited:\n{self.log.read_text()}"
            assert time.monotonic() < deadline, f"{what}: not within the limit\n{self.log.read_text()}"
            time.sleep(0.1)


@pytest.fixture
def daemon(rtsp_server_module: RtspTestServer, tmp_path: Path) -> Iterator[KeeperDaemon]:
    require_ffmpeg()
    d = KeeperDaemon(tmp_path, rtsp_server_module.url)
    try:
        yield d
    finally:
        stop_process(d.proc)


def read(path: Path) -> bytes:
    return path.read_bytes()


async def snapshots(port: int, kept: Path, n: int) -> list[float]:
    """``n`` snapshots over one WebSocket; each must be a key frame the keeper kept."""
    client = await Client.connect(f"ws://127.0.0.1:{port}/ws")
    token = mint_token(SECRET, "test", Role.parse("operator"), 3600, time.time())
    took = []
    try:
        assert "result" in await client.call("authenticate", {"auth_token": token})
        for _ in range(n):
            before = read(kept)
            t0 = time.perf_counter()
            reply = await client.call("take_snapshot", {"device": "camera0"})
            took.append(time.perf_counter() - t0)
            after = read(kept)
            assert "result" in reply, reply
            snapshot = kept.parent.parent / "snapshots" / reply["result"]["filename"]
            assert read(snapshot) in (before, after)
    finally:
        await client.close()
    return took


async def test_a_live_camera_snapshot_is_its_kept_key_frame_and_sigterm_leaves_nothing(
    daemon: KeeperDaemon,
) -> None:
    await asyncio.to_thread(daemon.wait, "the camera's first kept key frame", daemon.kept.exists)
    keepers = await asyncio.to_thread(ffmpeg_writing_under, daemon.state / "keyframes")
    assert len(keepers) == 1  # one keeper for the one camera
    took = await snapshots(daemon.port, daemon.kept, 5)
    print(f"take_snapshot over the WebSocket with a kept key frame: p50 {statistics.median(took):.3f} s")
    await asyncio.to_thread(stop_process, daemon.proc)
    assert daemon.proc.returncode == 0
    left = await asyncio.to_thread(ffmpeg_writing_under, daemon.state)
    assert left == [] and not await asyncio.to_thread(daemon.kept.exists)
