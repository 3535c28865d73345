"""External streams and discovery through the real daemon (``python3 -m camera_service``)
and its WebSocket API only, with a real RTSP camera (GStreamer) on loopback: a stream added
at run time is listed by ``get_camera_list``, snapshotted and recorded, is still there with
the same id after a restart, and once removed is gone; its password appears in no result,
log line or world-readable file. Discovery finds the camera among closed loopback ports
within its time bound. Every result is validated against compat.json's schema. MediaMTX is
absent here, so the camera is read directly (as configured network cameras are)."""

from __future__ import annotations

import asyncio
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from camera_service.client.connection import CameraClient, RemoteError
from support.compat_results import validate_result
from support.fixtures import require_rtsp_server
from support.rtsp_server import RtspTestServer
from support.service_process import ENV, TIMEOUT, free_port, wait_listening

pytestmark = pytest.mark.ivv

PASSWORD = "s3cret-pw"


class Daemon:
    """The real daemon on a free loopback port; ``restart()`` keeps port and state."""

    def __init__(self, tmp: Path, camera: RtspTestServer, closed: list[int]) -> None:
        self.port = free_port()
        self.state = tmp / "state"
        self.config = tmp / "config.yaml"
        self.config.write_text(
            f"server: {{host: 127.0.0.1, port: {self.port}}}\n"
            "auth: {jwt_secret: external-streams-test-secret-0123456789}\n"
            f"mediamtx: {{api_url: 'http://127.0.0.1:{closed[0]}'}}\n"
            "cameras:\n  udev: false\n  test_pattern: false\n  network_probe_interval: 1\n"
            "  external: {allow: [127.0.0.0/8]}\n"  # the test camera listens on loopback
            "  discovery:\n    enabled: true\n    hosts: [127.0.0.1]\n"
            f"    ports: [{closed[1]}, {camera.port}, {closed[2]}]\n    paths: [/cam0, /absent]\n"
            f"    skydio_ports: [{closed[3]}]\n    timeout: 2\n    scan_timeout: 10\n"
            f"storage: {{state_dir: {self.state}, min_free_mb: 1}}\n"
            "logging: {target: console}\n"
        )
        self.log = tmp / "daemon.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()
        self.token = subprocess.run(
            [sys.executable, "-m", "camera_service.client.cli", "token", "--role", "admin",
             "--config", str(self.config)], env=ENV, capture_output=True, text=True,
            timeout=TIMEOUT, check=True).stdout.strip()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "camera_service", "--config", str(self.config)],
                env=ENV, stdout=out, stderr=subprocess.STDOUT)
        wait_listening(self.port, self.proc, self.log)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                assert self.proc.wait(TIMEOUT) == 0, self.log.read_text()
            finally:
                if self.proc.poll() is None:
                    self.proc.kill()
                    self.proc.wait(TIMEOUT)

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture(scope="module")
def camera() -> Iterator[RtspTestServer]:
    require_rtsp_server()
    with RtspTestServer() as server:
        yield server


@pytest.fixture
def daemon(camera: RtspTestServer, tmp_path: Path) -> Iterator[Daemon]:
    d = Daemon(tmp_path, camera, [free_port() for _ in range(4)])
    try:
        yield d
    finally:
        d.stop()


def wait_growing(path: Path, size: int = 64 * 1024) -> None:
    """Until ``path`` holds ``size`` bytes (a couple of seconds of the test camera), bounded
    by TIMEOUT: a loaded machine starts ffmpeg late, so a fixed sleep would not do."""
    deadline = time.monotonic() + TIMEOUT
    while not (path.exists() and path.stat().st_size >= size):
        assert time.monotonic() < deadline, f"{path} did not grow to {size} bytes in {TIMEOUT}s"
        time.sleep(0.2)


def video_codec(path: Path) -> str:
    r = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                        "stream=codec_name", "-of", "csv=p=0", str(path)],
                       capture_output=True, text=True, timeout=TIMEOUT, check=False)
    return r.stdout.strip()


async def call(d: Daemon, method: str, params: dict[str, Any] | None = None) -> Any:
    async with CameraClient(d.url, d.token, timeout=TIMEOUT) as c:
        return await c.call(method, params or {})


async def error_of(d: Daemon, method: str, params: dict[str, Any]) -> RemoteError:
    with pytest.raises(RemoteError) as info:
        await call(d, method, params)
    return info.value


async def camera_entry(d: Daemon, device: str) -> dict[str, Any] | None:
    cams = (await call(d, "get_camera_list"))["cameras"]
    return next((c for c in cams if c["device"] == device), None)


async def wait_connected(d: Daemon, device: str) -> dict[str, Any]:
    """The camera's entry once it is CONNECTED: now, or at its ``camera_status_update``
    (the client is connected before the list is read, so no change falls in between)."""
    async with CameraClient(d.url, d.token, timeout=TIMEOUT) as c, asyncio.timeout(TIMEOUT):
        cams = (await c.call("get_camera_list"))["cameras"]
        cam = next((x for x in cams if x["device"] == device), None)
        if cam is not None and cam["status"] == "CONNECTED":
            return dict(cam)
        async for note in c.notifications():
            params = note.get("params") or {}
            if note.get("method") == "camera_status_update" and params.get("device") == device \
                    and params.get("status") == "CONNECTED":
                return dict(params)
    raise AssertionError(f"{device} not CONNECTED\n{d.log.read_text()}")


async def test_an_added_stream_is_a_camera_that_survives_a_restart_until_removed(
    daemon: Daemon, camera: RtspTestServer
) -> None:
    url = camera.url.replace("rtsp://", f"rtsp://viewer:{PASSWORD}@")
    added = await call(daemon, "add_external_stream", {"stream_url": url, "stream_name": "Gate"})
    validate_result("add_external_stream", added)
    assert added["status"] == "ADDED" and added["stream_url"] == camera.url
    assert added["stream_type"] == "generic_rtsp" and PASSWORD not in str(added)
    device = added["device"]

    again = await error_of(daemon, "add_external_stream", {"stream_url": camera.url})
    assert again.code == -32602 and device in again.message
    bad = await error_of(daemon, "add_external_stream", {"stream_url": f"http://x:{PASSWORD}@h/"})
    assert bad.code == -32602 and PASSWORD not in str(bad)
    metadata = await error_of(daemon, "add_external_stream",  # link-local: not in the allow list
                              {"stream_url": f"rtsp://u:{PASSWORD}@169.254.169.254/latest"})
    assert metadata.code == -32602 and metadata.data == {"param": "stream_url"}
    assert "address 169.254.169.254 is not allowed by cameras.external.allow (127.0.0.0/8)" in \
        metadata.message and PASSWORD not in str(metadata)

    cam = await wait_connected(daemon, device)
    assert cam["name"] == "Gate" and cam["resolution"] == "640x480"
    listed = await call(daemon, "get_external_streams")
    validate_result("get_external_streams", listed)
    [entry] = listed["external_streams"]
    assert entry["url"] == camera.url and entry["status"] == "DISCOVERED" and entry["device"] == device
    assert listed["generic_streams"] == [entry] and listed["total_count"] == 1

    snap = await call(daemon, "take_snapshot", {"device": device})
    assert (daemon.state / "snapshots" / snap["filename"]).stat().st_size > 0
    rec = await call(daemon, "start_recording", {"device": device, "format": "mkv"})
    await asyncio.to_thread(wait_growing, daemon.state / "recordings" / rec["filename"])
    done = await call(daemon, "stop_recording", {"device": device})
    assert done["filename"] == rec["filename"]
    assert video_codec(daemon.state / "recordings" / rec["filename"]) == "h264"

    saved = daemon.state / "external_streams.json"
    assert stat.S_IMODE(saved.stat().st_mode) & 0o077 == 0  # it holds the password
    daemon.restart()
    cam = await wait_connected(daemon, device)  # the same id after a restart
    assert cam["name"] == "Gate"
    assert [s["device"] for s in (await call(daemon, "get_external_streams"))["external_streams"]] == [device]

    async with CameraClient(daemon.url, daemon.token, timeout=TIMEOUT) as c:
        removed = await c.call("remove_external_stream", {"stream_url": url})
        async with asyncio.timeout(TIMEOUT):  # clients see it go: DISCONNECTED, then it is gone
            async for note in c.notifications():
                params = note.get("params") or {}
                if note.get("method") == "camera_status_update" and params.get("device") == device:
                    assert params["status"] == "DISCONNECTED"
                    break
    validate_result("remove_external_stream", removed)
    assert removed == {**removed, "status": "REMOVED", "stream_url": camera.url}
    assert await camera_entry(daemon, device) is None
    assert (await call(daemon, "get_external_streams"))["external_streams"] == []
    gone = await error_of(daemon, "remove_external_stream", {"stream_url": camera.url})
    assert gone.code == -32010 and gone.data == {"resource": "external_stream", "id": camera.url}

    daemon.restart()
    assert await camera_entry(daemon, device) is None
    assert PASSWORD not in daemon.log.read_text()


async def test_discovery_finds_the_camera_among_closed_loopback_ports_and_adds_nothing(
    daemon: Daemon, camera: RtspTestServer
) -> None:
    started = time.monotonic()
    found = await call(daemon, "discover_external_streams",
                       {"generic_enabled": True, "force_rescan": True})
    assert time.monotonic() - started < 10 + 5  # scan_timeout, plus the call itself
    validate_result("discover_external_streams", found)
    assert [s["url"] for s in found["discovered_streams"]] == [camera.url]
    assert found["generic_streams"] == found["discovered_streams"] and found["skydio_streams"] == []
    assert found["discovered_streams"][0]["capabilities"]["codecs"] == ["H264"]
    assert found["total_found"] == 1 and found["errors"] == []
    assert found["discovery_options"]["generic_enabled"] is True
    assert (await call(daemon, "get_camera_list"))["cameras"] == []  # found, not added

    cached = await call(daemon, "discover_external_streams", {"generic_enabled": True})
    assert cached["scan_timestamp"] == found["scan_timestamp"]
    skydio_only = await call(daemon, "discover_external_streams", {})  # compat's defaults
    assert skydio_only["discovered_streams"] == []

    interval = await call(daemon, "set_discovery_interval", {"scan_interval": 60})
    validate_result("set_discovery_interval", interval)
    assert interval["scan_interval"] == 60 and interval["status"] == "UPDATED"
    validate_result("set_discovery_interval",
                    await call(daemon, "set_discovery_interval", {"scan_interval": 0}))
    bad = await error_of(daemon, "set_discovery_interval", {"scan_interval": 1})
    assert bad.code == -32602 and bad.data == {"param": "scan_interval"}
