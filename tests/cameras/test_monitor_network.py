"""Network cameras in the real monitor, against a real RTSP camera (GStreamer):
CONNECTED, the camera dies -> DISCONNECTED with a credential-free reason, it comes back ->
CONNECTED again. The monitor runs in the test's event loop (no udev hotplug needed)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from camera_service.cameras.identity import IdentityStore
from camera_service.cameras.monitor import CameraMonitor
from camera_service.cameras.registry import CameraRegistry
from camera_service.config.model import CamerasConfig, NetworkCameraConfig
from camera_service.models import Camera, CameraEvent, CameraKind, CameraStatus
from support.monitor_process import TIMEOUT
from support.rtsp_server import RtspTestServer

pytestmark = pytest.mark.integration


async def wait_until(registry: CameraRegistry, check: Callable[[Camera], bool],
                     camera_id: str) -> Camera:
    changed = asyncio.Event()

    def listener(event: CameraEvent) -> None:
        changed.set()

    unsubscribe = registry.subscribe(listener)
    try:
        async with asyncio.timeout(TIMEOUT * 2):
            while not ((cam := registry.find(camera_id)) and check(cam)):
                await changed.wait()
                changed.clear()
    finally:
        unsubscribe()
    return cam


async def test_network_camera_follows_a_real_rtsp_server_going_down_and_up(
    rtsp_server: RtspTestServer, tmp_path: Path
) -> None:
    url = rtsp_server.url.replace("rtsp://", "rtsp://viewer:hunter2@")
    config = CamerasConfig(
        udev=False,
        network=(NetworkCameraConfig(url=url, name="Gate"),),
        network_probe_interval=0.3,
        network_probe_max_backoff=1.0,
        probe_timeout=5.0,
    )
    registry = CameraRegistry()
    async with CameraMonitor(config, registry, IdentityStore(tmp_path / "cameras.json")):
        [cam] = [c for c in registry.cameras() if c.kind is CameraKind.NETWORK]
        assert cam.name == "Gate" and cam.source_url == url
        assert cam.identity == f"net-url:{rtsp_server.url}"

        cam = await wait_until(registry, lambda c: c.connected, cam.id)
        assert cam.mode is not None and (cam.mode.pixel_format, cam.mode.resolution) == (
            "H264", "640x480")

        await asyncio.to_thread(rtsp_server.kill)
        cam = await wait_until(registry, lambda c: c.status is CameraStatus.DISCONNECTED, cam.id)
        assert cam.reason and "hunter2" not in cam.reason and "viewer" not in cam.reason
        assert cam.source_url == url and cam.mode is not None  # last known mode kept

        await asyncio.to_thread(rtsp_server.restart)
        cam = await wait_until(registry, lambda c: c.connected, cam.id)
        assert cam.reason == ""


async def test_unreachable_network_camera_is_disconnected_with_the_reason(tmp_path: Path) -> None:
    from support.rtsp_server import free_port

    url = f"rtsp://admin:pw123@127.0.0.1:{free_port()}/nothing"
    config = CamerasConfig(udev=False, network=(NetworkCameraConfig(url=url, id="yard"),),
                           network_probe_interval=0.2, network_probe_max_backoff=0.5)
    registry = CameraRegistry()
    async with CameraMonitor(config, registry, IdentityStore(tmp_path / "cameras.json")):
        [cam] = [c for c in registry.cameras() if c.kind is CameraKind.NETWORK]
        assert cam.identity == "net-id:yard"
        cam = await wait_until(registry, lambda c: c.reason not in ("", "not probed yet"), cam.id)
        assert cam.status is CameraStatus.DISCONNECTED
        assert "pw123" not in cam.reason and "admin" not in cam.reason
    assert registry.health().state == "stopped"
