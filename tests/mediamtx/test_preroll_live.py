"""Recordings from the held GOP (``storage.recording_preroll``, media/preroll.py) through a
real MediaMTX (suite ``mediamtx``; skipped without a binary), with the test-pattern camera
MediaMTX publishes: the file holds media from a key frame when ``start_recording``
answers; MediaMTX SIGKILLed under a timed recording, the recording pauses, goes on from the
direct source, comes back to MediaMTX and ends at the asked length, one file that plays;
the keeper follows its camera's reader URL back to MediaMTX."""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

import pytest
from mediamtx_support import T
from test_mediamtx_live import PATTERN, Live, live  # noqa: F401 - the fixture
from test_recording_faults_live import (  # noqa: F401 - statuses: the fixture
    FPS,
    GOP,
    decode_errors,
    frames_and_duration,
    statuses,
    storage,
    until,
)

from camera_service.events import EventBus
from camera_service.media import fmp4
from camera_service.media.preroll import PrerollKeeper
from camera_service.media.service import MediaService
from camera_service.media.storage import Storage
from camera_service.models import Notification

pytestmark = pytest.mark.mediamtx

async def test_recordings_start_from_the_held_gop_and_go_through_mediamtx_dying(
    live: Live, tmp_path: Path,  # noqa: F811 - the fixture
    statuses: tuple[EventBus[Notification], list[dict[str, object]]],  # noqa: F811 - the fixture
) -> None:
    bus, seen = statuses
    live.registry.upsert(PATTERN)
    async with Storage(storage(tmp_path)) as files, MediaService(
        storage(tmp_path), files, bus, live.service.reader_url, start_timeout=2 * T
    ) as media, PrerollKeeper(live.service.reader_url) as keeper:
        media.pre_roll = keeper
        await until(lambda: live.service.mediamtx_available, "MediaMTX seen up")
        keeper.track(PATTERN)
        await until(lambda: keeper.holds(PATTERN.id), "the GOP held")
        took = []
        for _ in range(3):
            await until(lambda: keeper.holds(PATTERN.id), "the GOP held")
            t0 = time.perf_counter()
            rec = await media.start_recording(PATTERN, None, "fmp4")
            took.append(time.perf_counter() - t0)
            path = files.folder("recordings") / rec.filename
            assert fmp4.holds_media(await asyncio.to_thread(path.read_bytes))
            await media.stop_recording(PATTERN.id)
        seen.clear()

        asked = 8.0
        await until(lambda: keeper.holds(PATTERN.id), "the GOP held")
        rec = await media.start_recording(PATTERN, asked, "fmp4")
        path = files.folder("recordings") / rec.filename
        await asyncio.sleep(2.0)  # some recording from the held GOP
        await live.mediamtx.kill()
        await until(lambda: any(p["status"] == "ERROR" for p in seen), "the pause")
        await asyncio.sleep(1.0)  # MediaMTX stays away this long
        await live.mediamtx.start()
        await until(lambda: any(p["status"] in ("STOPPED", "FAILED") for p in seen), "the end", limit=6 * T)
        await until(lambda: keeper.holds(PATTERN.id), "the keeper back on MediaMTX", limit=3 * T)
    print(f"first media on disk after {[round(t, 4) for t in took]} s")
    assert statistics.median(took) < 0.3
    (end,) = [p for p in seen if p["status"] in ("STOPPED", "FAILED")]
    assert end["status"] == "STOPPED" and end["reason"] == "duration reached", end
    recorded = float(str(end["recorded_duration"]))
    assert abs(recorded - asked) <= GOP, end
    gaps = end["gaps"]
    assert isinstance(gaps, list) and gaps and str(gaps[0]["cause"]).startswith("stream lost"), gaps
    assert decode_errors(path, lost=len(gaps)) == ""
    frames, duration = frames_and_duration(path)
    assert abs(duration - recorded) <= GOP and abs(frames / FPS - asked) <= GOP, (frames, duration)
