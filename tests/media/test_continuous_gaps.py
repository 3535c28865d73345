"""A continuous recording's gap is as long as the picture says (issue 20: within one frame
interval). The RTSP recipe camera in clock mode shows in each frame the wall time it was
made; the camera is killed and started again under the recorder, and the reported gap is
checked against the frames on either side of it: the end of the last one before (its
time plus a frame interval) to the first one after. Both sides are placed by the muxer's
clock (``segmenter.stream_origin``, ``first_frame_lead``), so what is compared is the
camera's own latency on either side of the outage."""

from __future__ import annotations

import asyncio
import dataclasses
import subprocess
from pathlib import Path

import pytest

from camera_service.models import CameraMode
from camera_service.recording_modes import ModeSpec
from support.rtsp_server import CLOCK, RtspTestServer, available, read_clock

from .helpers import TIMEOUT, network_camera, require_ffmpeg, storage_config, until
from .recorder_env import recorder_env
from .test_continuous import seen_at

pytestmark = pytest.mark.integration

FPS = 15.0
FRAME = 1 / FPS


def clock_times(path: Path) -> list[int]:
    """The time each frame of ``path`` shows (ms, mod 2**32)."""
    r = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-fps_mode", "passthrough",
                        "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                       capture_output=True, timeout=TIMEOUT, check=True)  # fmt: skip
    size = CLOCK[0] * CLOCK[1]
    return [read_clock(r.stdout[i : i + size]) for i in range(0, len(r.stdout) - size + 1, size)]


async def test_a_camera_outage_is_a_gap_as_long_as_the_frames_on_either_side_say(tmp_path: Path) -> None:
    require_ffmpeg()
    if (why := available()) is not None:
        pytest.skip(why)
    with RtspTestServer(clock=True) as cam:
        camera = dataclasses.replace(network_camera(cam.url), mode=CameraMode("H264", 160, 120, FPS))
        spec = ModeSpec("continuous", segment_seconds=2)
        async with recorder_env(storage_config(tmp_path), cam.url, spec, camera=camera) as env:
            await seen_at(env, "STARTED")
            await asyncio.sleep(2.5)  # some recording
            cam.kill()
            await seen_at(env, "FAILED")
            await asyncio.sleep(1.0)  # the outage
            await asyncio.to_thread(cam.restart)
            await seen_at(env, "STARTED", 2)
            # the gap is measured once the first segment after it is closed (until then
            # the new run's first frame is estimated from its first bytes on disk)
            worker = env.recorder.workers["camera0"]
            await until(lambda: worker.run is not None and bool(worker.run.closed), what="a segment closed")
            timeline = env.recorder.timeline("camera0", None, None)
    assert len(timeline.ranges) == 2 and len(timeline.gaps) == 1, timeline
    before = clock_times(env.recordings / timeline.ranges[0].files[-1])
    after = clock_times(env.recordings / timeline.ranges[1].files[0])
    true = ((after[0] - before[-1]) % 2**32) / 1000 - FRAME
    gap = timeline.gaps[0]
    print(f"gap reported {gap.end - gap.start:.3f} s, frames say {true:.3f} s")
    assert abs((gap.end - gap.start) - true) <= FRAME, (gap, true)
