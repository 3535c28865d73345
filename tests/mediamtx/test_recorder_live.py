"""Continuous recording through a real MediaMTX (suite ``mediamtx``; skipped, saying how to
get one, where there is no binary): MediaMTX killed for a few seconds is a gap in the
timeline, recording goes on from the camera directly while MediaMTX is away, and goes back
through MediaMTX once MediaMTX and its path are back (the switch is a second gap)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from mediamtx_support import T
from test_mediamtx_live import Live, live, network_camera  # noqa: F401 - the fixture

from camera_service.config.model import RecordingConfig, StorageConfig
from camera_service.events import EventBus
from camera_service.media.recorder import Recorder
from camera_service.media.storage import Storage
from camera_service.models import Notification
from camera_service.recording_modes import ModeSpec
from support.rtsp_server import RtspTestServer

pytestmark = pytest.mark.mediamtx


async def test_recording_resumes_by_itself_after_mediamtx_restarts(
    live: Live, rtsp_server: RtspTestServer, tmp_path: Path  # noqa: F811 - the fixture
) -> None:
    camera = network_camera(rtsp_server.url, "camera1")
    live.registry.upsert(camera)
    config = StorageConfig(state_dir=tmp_path, snapshots_dir=tmp_path / "snapshots",
                           recordings_dir=tmp_path / "recordings", min_free_mb=1)  # fmt: skip
    bus: EventBus[Notification] = EventBus()
    statuses: list[str] = []
    bus.subscribe(lambda n: statuses.append(str(n.params["status"])) if n.device == "camera1" else None)

    async def until(check: Callable[[], bool], failure: Callable[[], object]) -> None:
        deadline = time.monotonic() + 3 * T
        while not check():
            assert time.monotonic() < deadline, failure()
            await asyncio.sleep(0.05)

    async def seen(status: str, count: int) -> None:
        await until(lambda: statuses.count(status) >= count, lambda: f"no {count}x {status}: {statuses}")

    spec = RecordingConfig(default=ModeSpec("continuous", segment_seconds=2), retry_max=1.0)
    async with Storage(config) as storage, Recorder(
        spec, storage, live.registry, bus, live.service.reader_url, tick=0.25
    ) as recorder:
        await seen("STARTED", 1)
        await asyncio.sleep(2.5)
        await live.mediamtx.kill()
        await seen("FAILED", 1)
        await seen("STARTED", 2)  # from the camera directly, while MediaMTX is away
        await asyncio.sleep(2.0)
        await live.mediamtx.start()
        # back through MediaMTX: a switch of source, told to nobody, seen in the timeline
        await until(lambda: len(recorder.timeline("camera1", None, None).ranges) >= 3,
                    lambda: recorder.timeline("camera1", None, None))  # fmt: skip
        await asyncio.sleep(2.5)
        timeline = recorder.timeline("camera1", None, None)
    assert statuses == ["STARTED", "FAILED", "STARTED"]
    # from the camera directly while MediaMTX was away, then back through MediaMTX (a
    # change of source is no failure to report, but a gap of its own)
    assert len(timeline.ranges) == 3 and len(timeline.gaps) == 2, timeline
    assert "stream lost" in timeline.gaps[0].cause
    assert timeline.gaps[1].cause == "source switched"
