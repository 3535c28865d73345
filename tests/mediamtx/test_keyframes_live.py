"""The key-frame keeper through a real MediaMTX (suite ``mediamtx``): it reads the camera's
MediaMTX path (one reader there), goes on from the camera directly while MediaMTX is away,
and back to MediaMTX once it returns; a kept frame is there throughout, a few seconds at most
after each switch."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from mediamtx_support import T
from test_mediamtx_live import Live, live, network_camera  # noqa: F401 - the fixture

from camera_service.media.keyframes import KeyFrameKeeper
from support.rtsp_server import RtspTestServer

pytestmark = pytest.mark.mediamtx


async def until(check: Callable[[], bool], what: str, limit: float = 3 * T) -> None:
    deadline = time.monotonic() + limit
    while not check():
        assert time.monotonic() < deadline, f"not within {limit}s: {what}"
        await asyncio.sleep(0.05)


def mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


async def test_the_keeper_follows_the_reader_url_when_mediamtx_goes_and_returns(
    live: Live, rtsp_server: RtspTestServer, tmp_path: Path  # noqa: F811 - the fixture
) -> None:
    camera = network_camera(rtsp_server.url, "camera1")
    live.registry.upsert(camera)
    through_mtx = f":{live.mediamtx.rtsp_port}/"
    async with KeyFrameKeeper(tmp_path / "keyframes", live.service.reader_url, quality=3,
                              max_width=0, max_age=3.0) as keeper:  # fmt: skip
        await until(lambda: through_mtx in live.service.reader_url(camera), "the MediaMTX URL")
        keeper.track(camera)
        await until(lambda: keeper.latest(camera.id) is not None, "a key frame through MediaMTX")
        state = await live.service.stream_status(camera.id)
        assert state.ready and state.readers >= 1

        await live.mediamtx.kill()
        killed = time.time()
        await until(lambda: live.service.reader_url(camera) == rtsp_server.url, "the direct URL")
        await until(lambda: mtime(keeper.path(camera.id)) > killed + 0.5, "a key frame, direct")

        await live.mediamtx.start()
        await until(lambda: through_mtx in live.service.reader_url(camera), "MediaMTX again")
        back = time.time()
        await until(lambda: mtime(keeper.path(camera.id)) > back + 0.5, "a key frame, MediaMTX again")

        async def readers() -> int:
            return (await live.service.stream_status(camera.id)).readers

        deadline = time.monotonic() + 3 * T
        while await readers() < 1:
            assert time.monotonic() < deadline, "the keeper is not reading MediaMTX again"
            await asyncio.sleep(0.1)
