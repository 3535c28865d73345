"""A continuous recording's gap through a real MediaMTX (suite ``mediamtx``; skipped without
a binary) is as long as the picture says, within one frame interval: MediaMTX pulls the RTSP
recipe camera in clock mode (each frame shows the wall time it was made), the service
records MediaMTX's path, MediaMTX is SIGKILLed and started again, and the reported gap is
checked against the frames on either side of it (tests/media/test_continuous_gaps.py does
the same with the camera read directly). The run after the restart joins MediaMTX's stream
between key frames: its first segment is listed from before its first key frame
(``stream_clock.listed_lead``), which placed its start up to a GOP early until it was read
from the file's own length."""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path

import pytest
from mediamtx_process import MediaMTXProcess
from mediamtx_support import T

from camera_service.cameras.registry import CameraRegistry
from camera_service.config.model import RecordingConfig, StorageConfig
from camera_service.events import EventBus
from camera_service.media.recorder import Recorder
from camera_service.media.storage import Storage
from camera_service.models import Camera, CameraKind, CameraMode, CameraStatus, Notification
from camera_service.recording_modes import ModeSpec
from support.rtsp_server import CLOCK, RtspTestServer, available, read_clock

pytestmark = pytest.mark.mediamtx

FRAME = 1 / 15


def clock_times(path: Path) -> list[int]:
    r = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-fps_mode", "passthrough",
                        "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                       capture_output=True, timeout=3 * T, check=True)  # fmt: skip
    size = CLOCK[0] * CLOCK[1]
    return [read_clock(r.stdout[i : i + size]) for i in range(0, len(r.stdout) - size + 1, size)]


def wall(ms: int, near: float) -> float:
    """The wall time (s) a frame's clock (ms mod 2**32) shows, the one nearest ``near``."""
    base = int(near * 1000) // 2**32 * 2**32
    return min(((base + k * 2**32 + ms) / 1000 for k in (-1, 0, 1)), key=lambda t: abs(t - near))


async def until(check: object, what: str, limit: float = 3 * T) -> None:
    deadline = time.monotonic() + limit
    while not (callable(check) and check()):
        assert time.monotonic() < deadline, f"not within {limit}s: {what}"
        await asyncio.sleep(0.05)


async def test_a_mediamtx_restart_is_a_gap_as_long_as_the_frames_on_either_side_say(
    mediamtx_bin: str, tmp_path: Path
) -> None:
    if (why := available()) is not None:
        pytest.skip(why)
    with RtspTestServer(clock=True) as cam:
        pull = {"MTX_PATHS_CAM_SOURCE": cam.url, "MTX_PATHS_CAM_RTSPTRANSPORT": "tcp"}
        mtx = MediaMTXProcess(mediamtx_bin, tmp_path, ready_timeout=T, env=pull)
        await mtx.start()
        try:
            registry = CameraRegistry()
            registry.upsert(Camera(id="camera0", kind=CameraKind.NETWORK, name="clock",
                                   status=CameraStatus.CONNECTED, mode=CameraMode("H264", 160, 120, 15.0),
                                   source_url=f"rtsp://127.0.0.1:{mtx.rtsp_port}/cam"))  # fmt: skip
            config = StorageConfig(state_dir=tmp_path, snapshots_dir=tmp_path / "snapshots",
                                   recordings_dir=tmp_path / "recordings", min_free_mb=1)  # fmt: skip
            spec = RecordingConfig(default=ModeSpec("continuous", segment_seconds=2), retry_min=0.25,
                                   retry_max=1.0)  # fmt: skip
            async with Storage(config) as files, Recorder(
                spec, files, registry, EventBus[Notification](), lambda c: c.source_url or "",
                tick=0.25, start_timeout=2 * T,
            ) as recorder:
                worker = recorder.workers["camera0"]
                await until(lambda: worker.run is not None and bool(worker.run.closed), "recording")
                await asyncio.sleep(1.0)
                await mtx.kill()
                await until(lambda: worker.run is None, "the run lost")
                await asyncio.sleep(1.0)  # MediaMTX stays away this long
                await mtx.start()
                await until(lambda: worker.run is not None and bool(worker.run.closed), "a segment after")
                timeline = recorder.timeline("camera0", None, None)
        finally:
            await mtx.stop()
    assert len(timeline.ranges) == 2 and len(timeline.gaps) == 1, timeline
    before = clock_times(config.recordings_dir / timeline.ranges[0].files[-1])
    after = clock_times(config.recordings_dir / timeline.ranges[1].files[0])
    true = ((after[0] - before[-1]) % 2**32) / 1000 - FRAME
    gap = timeline.gaps[0]
    r0, r1 = timeline.ranges
    kill_side = r0.end - (wall(before[-1], r0.end) + FRAME)  # the muxer's latency on either side
    back_side = r1.start - wall(after[0], r1.start)
    print(f"latency: {kill_side:+.3f} s before the gap, {back_side:+.3f} s after")
    print(f"gap reported {gap.end - gap.start:.3f} s, frames say {true:.3f} s ({gap.cause})")
    assert gap.cause.startswith("stream lost")
    assert abs((gap.end - gap.start) - true) <= FRAME, (gap, true)
