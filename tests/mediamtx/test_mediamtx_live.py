"""StreamService against a real MediaMTX (suite ``mediamtx``; skipped, saying how to get one,
where there is no binary): cameras become paths, streams are readable with ffmpeg, a network
camera is proxied, paths come back after MediaMTX dies and returns, and go when cameras go."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from mediamtx_process import MediaMTXProcess
from mediamtx_support import T, closed_port

from camera_service.cameras.registry import CameraRegistry
from camera_service.config.model import MediaMTXConfig
from camera_service.mediamtx.client import MediaMTXClient
from camera_service.mediamtx.paths import path_conf_for
from camera_service.mediamtx.reconcile import drift
from camera_service.mediamtx.service import StreamService
from camera_service.models import Camera, CameraKind, CameraMode, CameraStatus, CsiSettings
from support.rtsp_server import RtspTestServer

pytestmark = pytest.mark.mediamtx

# the acceptance figure: paths are back this soon after MediaMTX answers again
RESTORE_WITHIN = 2.0
# a health read asks MediaMTX at once (health_interval is 2 s in these tests)
RECHECKED_WITHIN = 1.0

PATTERN = Camera(id="camera0", kind=CameraKind.TEST_PATTERN, name="Test pattern",
                 status=CameraStatus.CONNECTED, mode=CameraMode("testsrc2", 320, 240, 10))


def network_camera(url: str, camera_id: str = "camera1") -> Camera:
    return Camera(id=camera_id, kind=CameraKind.NETWORK, name="Door",
                  status=CameraStatus.CONNECTED, source_url=url)


@dataclass
class Live:
    mediamtx: MediaMTXProcess
    registry: CameraRegistry
    service: StreamService
    client: MediaMTXClient
    config: MediaMTXConfig

    async def path_names(self) -> set[str]:
        return {c.name for c in await self.client.config_paths_list()}


async def until(check: Callable[[], Awaitable[bool]], what: str, limit: float = T) -> float:
    """Poll ``check`` until true, at most ``limit`` s; returns the seconds it took."""
    start = time.monotonic()
    while not await check():
        if time.monotonic() - start > limit:
            raise AssertionError(f"not within {limit}s: {what}")
        await asyncio.sleep(0.05)
    return time.monotonic() - start


@pytest.fixture
async def live(mediamtx: MediaMTXProcess) -> AsyncIterator[Live]:
    config = MediaMTXConfig(
        api_url=mediamtx.api_url, rtsp_port=mediamtx.rtsp_port, hls_port=mediamtx.hls_port,
        webrtc_port=mediamtx.webrtc_port, health_interval=2.0, reconcile_interval=1.0,
        start_timeout=T, close_after=5.0,
    )
    registry = CameraRegistry()
    async with aiohttp.ClientSession() as session:
        client = MediaMTXClient(session, config.api_url, timeout=T / 2)
        async with StreamService(client, registry, config, "127.0.0.1") as service:
            yield Live(mediamtx, registry, service, client, config)


async def read_frame(url: str, out: Path) -> bytes:
    """One decoded frame from ``url`` as JPEG, with real ffmpeg (bounded, killed on overrun)."""
    proc = await asyncio.create_subprocess_exec(
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-rtsp_transport", "tcp",
        "-i", url, "-frames:v", "1", "-y", str(out),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, err = await asyncio.wait_for(proc.communicate(), 3 * T)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise AssertionError(f"ffmpeg read nothing from {url} within {3 * T}s") from None
    assert proc.returncode == 0, f"ffmpeg failed on {url}: {err.decode(errors='replace')}"
    return await asyncio.to_thread(out.read_bytes)


async def test_test_pattern_camera_is_published_on_demand_and_readable(
    live: Live, tmp_path: Path
) -> None:
    live.registry.upsert(PATTERN)

    async def configured() -> bool:
        return "camera0" in await live.path_names()

    await until(configured, "camera0 configured in MediaMTX")
    idle = await live.service.stream_status("camera0")
    assert idle.ready is False  # on demand: nothing runs until someone reads

    jpeg = await read_frame(f"rtsp://127.0.0.1:{live.mediamtx.rtsp_port}/camera0",
                            tmp_path / "frame.jpg")
    assert jpeg[:2] == b"\xff\xd8"

    state = await live.service.stream_status("camera0")
    assert state.name == "camera0"
    assert state.ready is True  # still published until close_after
    assert [s.name for s in await live.service.streams()] == ["camera0"]


async def test_network_camera_is_proxied(
    live: Live, rtsp_server: RtspTestServer, tmp_path: Path
) -> None:
    live.registry.upsert(network_camera(rtsp_server.url))

    async def configured() -> bool:
        return "camera1" in await live.path_names()

    await until(configured, "camera1 configured in MediaMTX")
    jpeg = await read_frame(live.service.reader_url(network_camera(rtsp_server.url)),
                            tmp_path / "frame.jpg")
    assert jpeg[:2] == b"\xff\xd8"
    state = await live.service.stream_status("camera1")
    assert state.ready is True
    assert state.source == "rtspSource"
    assert state.bytes_received > 0


async def test_paths_come_back_after_mediamtx_is_killed_and_restarted(live: Live) -> None:
    live.registry.upsert(PATTERN)
    live.registry.upsert(network_camera(f"rtsp://127.0.0.1:{closed_port()}/cam0"))

    async def both() -> bool:
        return {"camera0", "camera1"} <= await live.path_names()

    await until(both, "both camera paths configured")

    await live.mediamtx.kill()

    async def noticed_down() -> bool:
        return not live.service.health().healthy

    await until(noticed_down, "service notices MediaMTX is gone")
    assert live.service.health().state == "unreachable"

    await live.mediamtx.start()  # same ports, empty configuration, API answering

    async def healthy() -> bool:
        return live.service.health().healthy

    took = await until(healthy, "service notices MediaMTX is back")
    # the paths are back before the health says so: a viewer told "back" finds them
    assert await both(), await live.path_names()
    assert took <= RESTORE_WITHIN, f"paths restored after {took:.2f}s"


async def test_a_health_read_finds_a_quick_restart_before_the_next_health_check(live: Live) -> None:
    # MediaMTX restarted between two health checks (2 s apart here, a systemctl restart
    # takes less): a client reading the health (a console whose stream stopped) makes the
    # service ask at once, so the paths are back long before the next scheduled check
    live.registry.upsert(PATTERN)

    async def configured() -> bool:
        return "camera0" in await live.path_names()

    await until(configured, "camera path configured")
    await live.mediamtx.kill()
    await live.mediamtx.start()
    start = time.monotonic()
    while not await configured():
        live.service.recheck()  # as get_server_info does, polled by the console
        assert time.monotonic() - start < RECHECKED_WITHIN, "paths not restored on a health read"
        await asyncio.sleep(0.1)
    assert live.service.health().healthy


async def test_paths_go_when_cameras_go_and_foreign_paths_stay(live: Live) -> None:
    await live.client.config_path_add("visitor", {"source": "publisher"})
    live.registry.upsert(PATTERN)
    live.registry.upsert(network_camera("rtsp://127.0.0.1:9/cam0"))

    async def both() -> bool:
        return {"camera0", "camera1"} <= await live.path_names()

    await until(both, "both camera paths configured")

    live.registry.set_status("camera0", CameraStatus.DISCONNECTED, "unplugged")
    live.registry.remove("camera1")

    async def gone() -> bool:
        return not {"camera0", "camera1"} & await live.path_names()

    await until(gone, "camera paths removed")
    assert "visitor" in await live.path_names()


async def test_drifted_path_is_put_back(live: Live) -> None:
    live.registry.upsert(PATTERN)

    async def configured() -> bool:
        return "camera0" in await live.path_names()

    await until(configured, "camera0 configured")
    await live.client.config_path_patch("camera0", {"runOnDemandRestart": False,
                                                    "runOnDemandCloseAfter": "3s"})
    want = path_conf_for(PATTERN, live.config)

    async def restored() -> bool:
        conf = await live.client.config_path_get("camera0")
        return conf is not None and not drift(want, conf.raw)

    await until(restored, "camera0 configuration restored")


async def test_mode_change_reconfigures_the_path(live: Live) -> None:
    live.registry.upsert(PATTERN)
    faster = dataclasses.replace(PATTERN, mode=CameraMode("testsrc2", 320, 240, 25))

    async def has(camera: Camera) -> bool:
        conf = await live.client.config_path_get("camera0")
        return conf is not None and not drift(path_conf_for(camera, live.config), conf.raw)

    await until(lambda: has(PATTERN), "first mode configured")
    live.registry.upsert(faster)
    await until(lambda: has(faster), "new mode configured")


async def test_csi_camera_path_is_configured_and_kept(live: Live) -> None:
    """A real MediaMTX takes the rpiCamera configuration (off a Pi its source cannot start,
    but the path and its settings exist) and reports it back without drift, so the
    reconciler leaves it alone; a changed camera index replaces it."""
    csi = Camera(id="camera4", kind=CameraKind.CSI, name="Camera Module 3",
                 status=CameraStatus.CONNECTED, mode=CameraMode("H264", 1920, 1080, 30),
                 device_node="/dev/v4l-subdev0", csi=CsiSettings(0, "imx708", rotation=180))
    live.registry.upsert(csi)

    async def has(camera: Camera) -> bool:
        conf = await live.client.config_path_get("camera4")
        return conf is not None and not drift(path_conf_for(camera, live.config), conf.raw)

    await until(lambda: has(csi), "csi path configured")
    moved = dataclasses.replace(csi, csi=CsiSettings(1, "imx708"))
    live.registry.upsert(moved)
    await until(lambda: has(moved), "csi path reconfigured")
    live.registry.set_status("camera4", CameraStatus.DISCONNECTED, "unplugged")

    async def gone() -> bool:
        return "camera4" not in await live.path_names()

    await until(gone, "csi path removed")
