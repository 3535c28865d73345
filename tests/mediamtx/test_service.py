"""StreamService while MediaMTX cannot be reached (a closed port): the service keeps going,
says why, and degrades where it can. (With a real MediaMTX: ``test_mediamtx_live.py``.)"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import aiohttp
import pytest
from mediamtx_support import T, closed_port

from camera_service.cameras.registry import CameraRegistry
from camera_service.config.model import MediaMTXConfig
from camera_service.errors import MediaMTXUnavailable
from camera_service.mediamtx.client import MediaMTXClient
from camera_service.mediamtx.health import DOWN_RETRY, down_detail, next_check_in
from camera_service.mediamtx.service import StreamService
from camera_service.mediamtx.unit_state import unit_state_reader
from camera_service.models import Camera, CameraKind, CameraMode, CameraStatus, ComponentHealth

NET = Camera(id="camera0", kind=CameraKind.NETWORK, name="Door", status=CameraStatus.CONNECTED,
             source_url="rtsp://user:pw@10.0.0.5:554/live")
PATTERN = Camera(id="camera1", kind=CameraKind.TEST_PATTERN, name="Test pattern",
                 status=CameraStatus.CONNECTED, mode=CameraMode("testsrc2", 640, 480, 15))


@dataclass
class Rig:
    service: StreamService
    registry: CameraRegistry
    requests: list[str]
    health_changes: list[ComponentHealth] = field(default_factory=list)


async def until(condition: Callable[[], bool], what: str, limit: float = T) -> None:
    """Poll ``condition`` until it holds, at most ``limit`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"not within {limit}s: {what}")
        await asyncio.sleep(0.02)


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    requests: list[str] = []

    async def on_start(_s: aiohttp.ClientSession, _c: SimpleNamespace,
                       params: aiohttp.TraceRequestStartParams) -> None:
        requests.append(f"{params.method} {params.url.path}")

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    port = closed_port()
    config = MediaMTXConfig(api_url=f"http://127.0.0.1:{port}", health_interval=0.2,
                            reconcile_interval=0.2, rtsp_port=18554, webrtc_port=18889,
                            hls_port=18888)
    registry = CameraRegistry()
    registry.upsert(NET)
    registry.upsert(PATTERN)
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        client = MediaMTXClient(session, config.api_url, timeout=2)
        service = StreamService(client, registry, config, "cams.example.org",
                                unit_state=unit_state_reader(config.unit))
        r = Rig(service, registry, requests)
        service.on_health_change = r.health_changes.append
        async with service:
            yield r


@pytest.mark.integration
async def test_unreachable_mediamtx_is_reported_unhealthy_once(rig: Rig) -> None:
    await until(lambda: not rig.service.health().healthy
                and rig.service.health().state == "unreachable", "health says unreachable")
    health = rig.service.health()
    assert health.name == "mediamtx"
    assert "127.0.0.1" in health.detail
    assert rig.service.mediamtx_available is False
    # it keeps checking (backing off) but reports the change of state only once
    await until(lambda: rig.requests.count("GET /v3/info") >= 4, "four health checks")
    assert [h.state for h in rig.health_changes] == ["unreachable"]


@pytest.mark.integration
async def test_stream_state_calls_raise_unavailable(rig: Rig) -> None:
    await until(lambda: rig.service.health().state == "unreachable", "unreachable")
    with pytest.raises(MediaMTXUnavailable):
        await rig.service.stream_status("camera0")
    with pytest.raises(MediaMTXUnavailable):
        await rig.service.streams()


@pytest.mark.integration
async def test_reader_url_degrades_to_the_network_camera_itself(rig: Rig) -> None:
    await until(lambda: rig.service.health().state == "unreachable", "unreachable")
    assert rig.service.reader_url(NET) == NET.source_url
    # the test pattern is generated where it is read; a USB camera has no other way in
    assert rig.service.reader_url(PATTERN) == "lavfi:testsrc2=size=640x480:rate=15"
    usb = Camera(id="camera2", kind=CameraKind.USB, name="Desk", status=CameraStatus.CONNECTED,
                 mode=CameraMode("MJPG", 1280, 720, 30), device_node="/dev/video0")
    assert rig.service.reader_url(usb) == "rtsp://127.0.0.1:18554/camera2"


@pytest.mark.integration
async def test_stream_urls_use_the_public_host_and_mediamtx_ports(rig: Rig) -> None:
    assert rig.service.stream_name("camera1") == "camera1"
    assert rig.service.stream_urls("camera1") == {
        "rtsp": "rtsp://cams.example.org:18554/camera1",
        "webrtc": "http://cams.example.org:18889/camera1/whep",
        "hls": "http://cams.example.org:18888/camera1/index.m3u8",
    }


@pytest.mark.integration
async def test_camera_events_while_mediamtx_is_down_change_nothing(rig: Rig) -> None:
    await until(lambda: rig.service.health().state == "unreachable", "unreachable")
    rig.registry.remove("camera1")
    rig.registry.set_status("camera0", CameraStatus.ERROR, "no route to host")
    await until(lambda: rig.requests.count("GET /v3/info") >= 3, "three health checks")
    assert not any("/config/" in r for r in rig.requests)  # nothing to reconcile against
    assert rig.service.health().state == "unreachable"


@pytest.mark.integration
async def test_leaving_the_service_stops_its_tasks() -> None:
    config = MediaMTXConfig(api_url=f"http://127.0.0.1:{closed_port()}")
    async with aiohttp.ClientSession() as session:
        service = StreamService(MediaMTXClient(session, config.api_url), CameraRegistry(),
                                config, "localhost")
        async with service:
            names = {t.get_name() for t in asyncio.all_tasks()}
            assert {"mediamtx-health", "mediamtx-reconcile"} <= names
        names = {t.get_name() for t in asyncio.all_tasks()}
        assert not names & {"mediamtx-health", "mediamtx-reconcile"}


@pytest.mark.integration
async def test_ipv6_public_host_is_bracketed() -> None:
    config = MediaMTXConfig()
    async with aiohttp.ClientSession() as session:
        service = StreamService(MediaMTXClient(session, config.api_url), CameraRegistry(),
                                config, "fd00::5")
        assert service.stream_urls("camera0")["rtsp"] == "rtsp://[fd00::5]:8554/camera0"


@pytest.mark.unit
def test_down_detail_names_the_unit_state_when_known() -> None:
    assert down_detail("GET http://127.0.0.1:9997/v3/info: refused", "mediamtx.service",
                       "failed (failed)") == (
        "GET http://127.0.0.1:9997/v3/info: refused; mediamtx.service is failed (failed)")
    assert down_detail("refused", "mediamtx.service", None) == "refused"


@pytest.mark.unit
def test_mediamtx_down_is_asked_again_every_tenth_of_a_second_without_backing_off() -> None:
    # its return is noticed within DOWN_RETRY, however long it was down
    assert next_check_in(False, 2.0) == DOWN_RETRY == 0.1
    assert next_check_in(True, 2.0) == 2.0
    assert next_check_in(False, 0.1) == 0.1  # a shorter interval is kept
