"""Kept-alive streams against a real MediaMTX (suite ``mediamtx``; skipped, saying how to get
one, where there is no binary): ``start_streaming`` publishes the camera with no reader,
``stop_streaming`` lets it close, other readers keep it up, ``auto_close_after`` ends it,
a MediaMTX restart restores it; and the same over the whole daemon's WebSocket, each result
validated against compat.json's schemas."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from mediamtx_process import MediaMTXProcess
from mediamtx_support import T

from camera_service.app import Application
from camera_service.cameras.registry import CameraRegistry
from camera_service.config import load_config
from camera_service.config.model import MediaMTXConfig
from camera_service.mediamtx.client import MediaMTXClient
from camera_service.mediamtx.service import StreamService
from camera_service.models import Camera, CameraKind, CameraMode, CameraStatus
from camera_service.rpc.auth import Role
from support.compat_results import validate_result
from web.stack import SECRET, call, connect

pytestmark = pytest.mark.mediamtx

CLOSE_AFTER = 1.0  # the camera path's runOnDemandCloseAfter in these tests (s)
PATTERN = Camera(id="camera0", kind=CameraKind.TEST_PATTERN, name="Test pattern",
                 status=CameraStatus.CONNECTED, mode=CameraMode("testsrc2", 320, 240, 10))


async def until(check: Callable[[], Awaitable[bool]], what: str, limit: float = T) -> float:
    start = time.monotonic()
    while not await check():
        if time.monotonic() - start > limit:
            raise AssertionError(f"not within {limit}s: {what}")
        await asyncio.sleep(0.05)
    return time.monotonic() - start


@dataclass
class Rig:
    mediamtx: MediaMTXProcess
    registry: CameraRegistry
    service: StreamService
    client: MediaMTXClient

    async def ready(self, name: str = "camera0") -> bool:
        path = await self.client.path_get(name)
        return path is not None and path.ready

    async def idle(self, name: str = "camera0") -> bool:
        return not await self.ready(name)

    async def configured(self) -> set[str]:
        return {c.name for c in await self.client.config_paths_list()}


def config_for(mediamtx: MediaMTXProcess, **kw: Any) -> MediaMTXConfig:
    return MediaMTXConfig(
        api_url=mediamtx.api_url, rtsp_port=mediamtx.rtsp_port, hls_port=mediamtx.hls_port,
        webrtc_port=mediamtx.webrtc_port, health_interval=1.0, reconcile_interval=1.0,
        start_timeout=T, close_after=CLOSE_AFTER, **kw,
    )


@contextlib.asynccontextmanager
async def rig_for(mediamtx: MediaMTXProcess, **kw: Any) -> AsyncIterator[Rig]:
    registry = CameraRegistry()
    async with aiohttp.ClientSession() as session:
        client = MediaMTXClient(session, mediamtx.api_url, timeout=T / 2)
        config = config_for(mediamtx, **kw)
        async with StreamService(client, registry, config, "127.0.0.1") as service:
            rig = Rig(mediamtx, registry, service, client)

            async def connected() -> bool:
                return service.health().healthy

            await until(connected, "the service sees MediaMTX")
            registry.upsert(PATTERN)

            async def has_path() -> bool:
                return "camera0" in await rig.configured()

            await until(has_path, "camera0 configured")
            yield rig


@pytest.fixture
async def rig(mediamtx: MediaMTXProcess) -> AsyncIterator[Rig]:
    async with rig_for(mediamtx) as r:
        yield r


@contextlib.asynccontextmanager
async def reader(url: str) -> AsyncIterator[asyncio.subprocess.Process]:
    """A real ffmpeg reading ``url`` until the block ends (terminate → wait → kill)."""
    proc = await asyncio.create_subprocess_exec(
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-rtsp_transport", "tcp",
        "-i", url, "-c", "copy", "-f", "null", "-",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), T)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def test_start_streaming_publishes_with_no_reader_and_stop_lets_it_close(rig: Rig) -> None:
    assert await rig.idle()  # on demand: nobody reads, nothing runs
    started = await rig.service.start_streaming(PATTERN)
    assert started.ready, started.reason
    assert "camera0_keepalive" in await rig.configured()

    report = await rig.service.stream_report(PATTERN)
    assert (report.status, report.state.ready, report.state.readers) == ("ACTIVE", True, 0)
    assert report.kept is not None
    await asyncio.sleep(CLOSE_AFTER * 3)  # far past close_after: still published
    assert await rig.ready()
    assert [s.name for s in await rig.service.streams()] == ["camera0"]  # keepalive hidden

    stopped = await rig.service.stop_streaming("camera0")
    assert stopped.stream_continues is False
    assert "camera0_keepalive" not in await rig.configured()
    await until(rig.idle, "camera0 closed after stop_streaming", limit=CLOSE_AFTER + T)
    assert (await rig.service.stream_report(PATTERN)).status == "INACTIVE"


async def test_stop_streaming_leaves_other_readers_their_stream(rig: Rig) -> None:
    await rig.service.start_streaming(PATTERN)
    url = rig.service.reader_url(PATTERN)
    async with reader(url) as viewer:

        async def two_readers() -> bool:
            path = await rig.client.path_get("camera0")
            return path is not None and len(path.readers) >= 2

        await until(two_readers, "the viewer reads beside the keepalive")
        stopped = await rig.service.stop_streaming("camera0")
        assert stopped.stream_continues is True
        await asyncio.sleep(CLOSE_AFTER * 3)
        assert await rig.ready() and viewer.returncode is None  # never interrupted

        async def viewer_only() -> bool:
            report = await rig.service.stream_report(PATTERN)
            return report.state.readers == 1 and report.status == "ACTIVE"

        await until(viewer_only, "only the viewer reads once the keepalive is gone")
    await until(rig.idle, "camera0 closed after the viewer left", limit=CLOSE_AFTER + T)


async def test_auto_close_after_ends_a_kept_stream(mediamtx: MediaMTXProcess) -> None:
    keep_for = 5.0  # long enough for ffmpeg to start publishing on a loaded machine
    async with rig_for(mediamtx, stream_keepalive=keep_for) as rig:
        started = await rig.service.start_streaming(PATTERN)
        assert started.ready and started.kept.keep_for == keep_for

        async def released() -> bool:
            return "camera0_keepalive" not in await rig.configured()

        assert not await released()
        await until(released, "keepalive path removed at auto_close_after", limit=keep_for + T)
        assert rig.service.keeper.kept("camera0") is None
        await until(rig.idle, "camera0 closed after auto close", limit=CLOSE_AFTER + T)


async def test_a_kept_stream_comes_back_after_mediamtx_restarts(rig: Rig) -> None:
    assert (await rig.service.start_streaming(PATTERN)).ready
    await rig.mediamtx.kill()

    async def down() -> bool:
        return not rig.service.health().healthy

    await until(down, "the service notices MediaMTX is gone")
    await rig.mediamtx.start()
    await until(rig.ready, "camera0 published again with no reader", limit=2 * T)


# -- over the daemon's WebSocket -----------------------------------------------------------


@pytest.fixture
async def app(mediamtx: MediaMTXProcess, tmp_path: Path) -> AsyncIterator[Application]:
    config = tmp_path / "config.yaml"
    config.write_text(
        "server: {host: 127.0.0.1, port: 0, public_host: 127.0.0.1}\n"
        f"auth: {{jwt_secret: {SECRET}}}\n"
        f"mediamtx: {{api_url: '{mediamtx.api_url}', rtsp_port: {mediamtx.rtsp_port}, "
        f"hls_port: {mediamtx.hls_port}, webrtc_port: {mediamtx.webrtc_port}, "
        f"health_interval: 1, reconcile_interval: 1, start_timeout: {T}, "
        f"close_after: {CLOSE_AFTER}}}\n"
        "cameras: {udev: false, test_pattern: {enabled: true, width: 320, height: 240, fps: 10}}\n"
        f"storage: {{state_dir: {tmp_path / 'state'}, min_free_mb: 1}}\n"
    )
    async with Application(load_config(config)) as application:
        yield application


async def test_stream_methods_over_the_daemon_give_valid_results(app: Application) -> None:
    ws = await connect(f"ws://127.0.0.1:{app.port}/ws")
    token = app.api.ctx.authenticator.mint("op", Role.OPERATOR, 300)
    assert (await call(ws, "authenticate", {"auth_token": token}))["result"]["authenticated"]

    async def streaming_possible() -> bool:
        reply = await call(ws, "get_stream_url", {"device": "camera0"})
        return "result" in reply and reply["result"]["stream_status"] != "ERROR"

    await until(streaming_possible, "camera0 with MediaMTX connected")

    async def result(method: str, params: Any = None) -> Any:
        reply = await call(ws, method, params)
        assert "result" in reply, (method, reply)
        validate_result(method, reply["result"])
        return reply["result"]

    started = await result("start_streaming", {"device": "camera0"})
    assert started["status"] == "STARTED" and started["auto_close_after"] == "1h0m0s"
    status = await result("get_stream_status", {"device": "camera0"})
    assert (status["status"], status["ready"], status["kept_alive"]) == ("ACTIVE", True, True)
    assert status["mediamtx_path"] == {"exists": True, "ready": True, "readers": 0}
    camera = await call(ws, "get_camera_status", {"device": "camera0"})  # its keepalive not counted
    assert camera["result"]["metrics"]["readers"] == 0, camera
    url = await result("get_stream_url", {"device": "camera0"})
    assert (url["available"], url["stream_status"], url["active_consumers"]) == (True, "READY", 0)
    assert [s["name"] for s in await result("get_streams")] == ["camera0"]
    stopped = await result("stop_streaming", {"device": "camera0"})
    assert stopped["status"] == "STOPPED" and stopped["stream_continues"] is False
    assert stopped["start_time"] == started["start_time"]

    async def closed() -> bool:
        return (await result("get_stream_status", {"device": "camera0"}))["status"] == "INACTIVE"

    await until(closed, "camera0 inactive after stop_streaming", limit=CLOSE_AFTER + T)
    await ws.close()
