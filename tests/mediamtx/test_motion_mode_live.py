"""Recording mode ``motion`` through a real MediaMTX with stream auth (suite ``mediamtx``;
skipped without a binary): the buffer's one ffmpeg reads the camera's MediaMTX path with
the internal reader credential (the password on no command line), and an event of the test
pattern (it moves all the time, so the event never ends) is cut into recordings of
``segment_seconds`` that play. The stack is ``guarded_stack``'s, motion on, mode motion."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from guarded_stack import Guarded, guarded_stack
from mediamtx_support import T

from camera_service.credentials import READER_USER
from camera_service.models import Notification
from media.helpers import playable
from support.cmdlines import CmdlineWatch

pytestmark = pytest.mark.mediamtx

@pytest.fixture
async def guarded_motion(mediamtx_bin: str, tmp_path: Path) -> AsyncIterator[Guarded]:
    cameras = ("motion: {enabled: true, min_area: 0.1, pre_capture: 1, post_capture: 1}, "
               "recording: {mode: motion, segment_seconds: 3}")  # fmt: skip
    # 640x360: the pattern's moving parts are too small at 320x240 for the detector
    async with guarded_stack(mediamtx_bin, tmp_path, cameras, pattern=(640, 360)) as g:
        yield g


async def test_the_buffer_reads_the_mediamtx_path_and_a_long_event_is_cut_into_recordings(
    guarded_motion: Guarded, tmp_path: Path
) -> None:
    app = guarded_motion.app
    internal = app.api.ctx.internal
    assert internal is not None and internal.reader is not None
    camera = app.registry.get("camera0")
    clips: list[Notification] = []

    def note(n: Notification) -> None:
        if n.params.get("phase") == "clip" and n.params.get("device") == "camera0":
            clips.append(n)

    unsubscribe = app.bus.subscribe(note)
    try:
        with CmdlineWatch(internal.reader.password.encode(), under=tmp_path) as watch:
            deadline = time.monotonic() + 4 * T
            # once MediaMTX is up the buffer's run moves to the MediaMTX path, and a clip of
            # the running event is made after segment_seconds
            while True:
                run = app.recorder.workers["camera0"].run
                on_path = run is not None and run.url.startswith(f"rtsp://{READER_USER}:")
                clip = next((c for c in clips if on_path and c.params["events"]), None)
                if clip is not None and run is not None and run.url == app.streams.reader_url(camera):
                    break
                assert time.monotonic() < deadline, (run.url if run else None, clips)
                await asyncio.sleep(0.2)
        assert not watch.leaks, watch.leaks
    finally:
        unsubscribe()
    active = app.motion.active_event("camera0")
    events = clip.params["events"]
    assert active is not None and isinstance(events, list) and active.id in events
    path = tmp_path / "state" / "recordings" / str(clip.params["filename"])
    assert await asyncio.to_thread(playable, path, 10), path
    assert app.recorder.is_recording("camera0")  # a clip of the running event is being made
