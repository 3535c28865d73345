"""The runtime source of network cameras in the real monitor, with a real RTSP camera and
real files: an added stream is a watched camera that connects; a URL already configured is
refused; when the list cannot be saved nothing is added; a corrupt list file is moved aside
and the monitor starts without it; the saved file is private (0600); a host outside
``cameras.external.allow`` is refused naming the rule, and a failed probe of an added
stream shows only "unreachable" (the detail goes to the journal)."""

from __future__ import annotations

import asyncio
import socket
import stat
from pathlib import Path
from typing import Any

import pytest

from camera_service.cameras.identity import IdentityStore
from camera_service.cameras.monitor import CameraMonitor
from camera_service.cameras.registry import CameraRegistry
from camera_service.cameras.runtime_streams import RuntimeStreams
from camera_service.cameras.stream_store import FILE_NAME
from camera_service.config.model import CamerasConfig, ExternalConfig, NetworkCameraConfig
from camera_service.errors import ExternalStreamNotFound, InvalidParams, StorageError
from support.monitor_process import TIMEOUT
from support.rtsp_server import RtspTestServer

pytestmark = pytest.mark.integration

LOOPBACK = ExternalConfig(allow=("127.0.0.0/8",))  # the test cameras listen on loopback


def cams(**kwargs: Any) -> CamerasConfig:
    return CamerasConfig(udev=False, external=LOOPBACK, **kwargs)


def monitor(tmp: Path, config: CamerasConfig, registry: CameraRegistry, streams: Path) -> CameraMonitor:
    return CameraMonitor(config, registry, IdentityStore(tmp / "cameras.json"), streams_file=streams)


def runtime(m: CameraMonitor) -> RuntimeStreams:
    assert m.runtime is not None
    return m.runtime


async def test_an_added_stream_connects_and_a_removed_one_leaves_the_registry(
    rtsp_server: RtspTestServer, tmp_path: Path
) -> None:
    registry = CameraRegistry()
    config = cams(network_probe_interval=0.3)
    async with monitor(tmp_path, config, registry, tmp_path / FILE_NAME) as m:
        stream = await runtime(m).add_stream(rtsp_server.url.replace("//", "//a:pw@"), None, None)
        assert stream.name == "Network camera 127.0.0.1" and stream.type == "generic_rtsp"
        connected = asyncio.Event()
        unsubscribe = registry.subscribe(
            lambda e: connected.set() if e.camera.id == stream.camera_id and e.camera.connected
            else None)
        try:
            async with asyncio.timeout(TIMEOUT * 2):
                if not registry.get(stream.camera_id).connected:
                    await connected.wait()
        finally:
            unsubscribe()
        cam = registry.get(stream.camera_id)
        assert cam.kind.value == "network" and cam.source_url == stream.url
        assert stat.S_IMODE((tmp_path / FILE_NAME).stat().st_mode) == 0o600
        await runtime(m).remove_stream(rtsp_server.url)  # matched without the credentials
        assert registry.find(stream.camera_id) is None and runtime(m).external_streams() == []
        with pytest.raises(ExternalStreamNotFound):
            await runtime(m).remove_stream(rtsp_server.url)


async def test_a_configured_url_is_refused(tmp_path: Path) -> None:
    url = "rtsp://127.0.0.1:9/door"
    config = cams(network=(NetworkCameraConfig(url=url, id="camera7"),))
    registry = CameraRegistry()
    async with monitor(tmp_path, config, registry, tmp_path / FILE_NAME) as m:
        with pytest.raises(InvalidParams, match="already a configured camera"):
            await runtime(m).add_stream(url.replace("//", "//x:y@"), "Door", None)


async def test_when_the_list_cannot_be_saved_nothing_is_added(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    registry = CameraRegistry()
    async with monitor(tmp_path, cams(), registry, blocker / FILE_NAME) as m:
        with pytest.raises(StorageError, match="cannot save the external streams"):
            await runtime(m).add_stream("rtsp://127.0.0.1:9/x", None, None)
        assert registry.cameras() == [] and runtime(m).external_streams() == []


async def test_a_corrupt_list_is_moved_aside_and_the_monitor_starts_without_it(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    path.write_text('{"version": 1, "streams": [{"url": "rtsp://u:hunter2@h/x"}]}')
    registry = CameraRegistry()
    async with monitor(tmp_path, cams(), registry, path) as m:
        assert runtime(m).external_streams() == [] and registry.cameras() == []
    moved = await asyncio.to_thread(lambda: list(tmp_path.glob(f"{FILE_NAME}.corrupt-*")))
    assert len(moved) == 1 and not await asyncio.to_thread(path.exists)


async def test_a_saved_stream_that_is_now_configured_is_dropped_not_watched_twice(tmp_path: Path) -> None:
    url = "rtsp://127.0.0.1:9/door"
    registry = CameraRegistry()
    async with monitor(tmp_path, cams(), registry, tmp_path / FILE_NAME) as m:
        added = await runtime(m).add_stream(url, "Door", None)
    config = cams(network=(NetworkCameraConfig(url=url, name="Door"),))
    registry = CameraRegistry()
    async with monitor(tmp_path, config, registry, tmp_path / FILE_NAME) as m:
        assert [c.id for c in registry.cameras()] == [added.camera_id]  # the same id, once
        assert runtime(m).external_streams() == []


async def test_loopback_is_refused_by_default_naming_the_rule(tmp_path: Path) -> None:
    registry = CameraRegistry()
    async with monitor(tmp_path, CamerasConfig(udev=False), registry, tmp_path / FILE_NAME) as m:
        for url in ("rtsp://127.0.0.1:22/x", "rtsp://u:pw@localhost:22/x", "rtsp://[::1]:22/x",
                    "rtsp://169.254.169.254/latest", "rtsp://8.8.8.8/x"):
            with pytest.raises(InvalidParams, match=r"is not allowed by cameras\.external\.allow \("
                                                    r"10\.0\.0\.0/8, 172\.16"):
                await runtime(m).add_stream(url, None, None)
        assert registry.cameras() == [] and runtime(m).external_streams() == []
        assert not await asyncio.to_thread((tmp_path / FILE_NAME).exists)


async def test_a_failed_probe_shows_only_unreachable_and_logs_the_detail(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as s:  # a port where nothing listens: "connection refused" inside
        s.bind(("127.0.0.1", 0))
        url = f"rtsp://127.0.0.1:{s.getsockname()[1]}/x"
    registry = CameraRegistry()
    config = cams(probe_timeout=0.5)
    async with monitor(tmp_path, config, registry, tmp_path / FILE_NAME) as m:
        probed = asyncio.Event()
        unsubscribe = registry.subscribe(lambda e: probed.set() if e.camera.reason not in (
            "", "not probed yet") else None)
        try:
            stream = await runtime(m).add_stream(url, None, None)
            async with asyncio.timeout(TIMEOUT):
                await probed.wait()
        finally:
            unsubscribe()
        assert registry.get(stream.camera_id).reason == "unreachable"
    details = [r.getMessage() for r in caplog.records if "unreachable:" in r.getMessage()]
    assert details and details[0].startswith(f"{stream.camera_id} unreachable: ")
