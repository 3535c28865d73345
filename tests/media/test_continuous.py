"""Continuous and scheduled recording of the real RTSP test camera with real ffmpeg: the
segments are contiguous and play, an outage is one gap with its cause and recording comes
back by itself, a schedule starts and stops at its edges, and a full disk pauses it."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from camera_service.media.recorder_policy import Phase
from camera_service.media.segmenter import PROBE_LEAD
from camera_service.models import LAVFI_PREFIX, Camera, CameraKind, CameraMode, CameraStatus
from camera_service.recording_modes import ModeSpec, Window
from support.cmdlines import ffmpeg_argvs
from support.rtsp_server import RtspTestServer

from .helpers import TIMEOUT, decoded_frames, probe, require_ffmpeg, storage_config, until
from .recorder_env import MovableClock, RecorderEnv, recorder_env

pytestmark = pytest.mark.integration

FRAME = 1 / 15  # the test camera's frame interval
CONTINUOUS_2S = ModeSpec("continuous", segment_seconds=2)


async def seen_at(env: RecorderEnv, status: str, count: int = 1) -> float:
    """Wall time (real) at which the ``count``-th notification ``status`` was seen."""
    await until(lambda: env.statuses().count(status) >= count, what=f"{count}x {status}")
    return time.time()


async def test_continuous_2s_segments_are_contiguous_playable_and_cover_the_wall_time(
    rtsp_server: RtspTestServer, tmp_path: Path
) -> None:
    require_ffmpeg()
    entered = time.time()
    async with recorder_env(storage_config(tmp_path), rtsp_server.url, CONTINUOUS_2S) as env:
        started = await seen_at(env, "STARTED")
        await asyncio.sleep(10)  # the point of the test: ten seconds of recording
        stopping = time.time()
    # the STARTED notification follows the first bytes on disk, which ffmpeg writes once it
    # has read PROBE_LEAD seconds of the stream: the recording began that much earlier
    wall = stopping - (started - PROBE_LEAD)
    segments = env.recorder.store.camera("camera0").segments
    files = sorted(p for p in env.recordings.iterdir() if not p.name.startswith("."))
    assert [s.name for s in segments] == [p.name for p in files]
    assert len(files) >= 4, files
    durations = []
    for seg, path in zip(segments, files, strict=True):
        duration = float(probe(path)["duration"])
        durations.append(duration)
        assert abs(duration - (seg.end - seg.start)) <= FRAME + 1e-3, (path.name, duration, seg)
        assert decoded_frames(path) >= round(duration * 15) - 1, path.name  # every frame decodes
    for a, b in itertools.pairwise(segments):
        assert abs(b.start - a.end) < FRAME, (a, b)  # no overlap, no gap of a frame or more
    assert abs(sum(durations) - wall) <= 0.05 * wall, (sum(durations), wall)
    assert sum(durations) >= stopping - started - FRAME  # nothing after the start is lost
    assert sum(durations) <= stopping - entered + 0.5  # nor anything made up
    timeline = env.recorder.timeline("camera0", None, None)
    assert len(timeline.ranges) == 1 and timeline.gaps == []
    assert env.statuses() == ["STARTED"]


async def test_a_3s_camera_outage_is_one_gap_with_its_cause_and_recording_resumes(
    rtsp_server: RtspTestServer, tmp_path: Path
) -> None:
    require_ffmpeg()
    async with recorder_env(storage_config(tmp_path), rtsp_server.url, CONTINUOUS_2S) as env:
        await seen_at(env, "STARTED")
        await asyncio.sleep(2.5)
        rtsp_server.kill()
        killed = time.time()
        await seen_at(env, "FAILED")
        await asyncio.sleep(max(0.0, 3.0 - (time.time() - killed)))
        rtsp_server.restart()  # same port
        back = time.time()
        resumed = await seen_at(env, "STARTED", 2)
        await asyncio.sleep(2.5)
        timeline = env.recorder.timeline("camera0", None, None)
    # the new run's first frame is what ffmpeg read half a second before its first bytes
    # on disk, which the STARTED notification follows
    first_frame = timeline.ranges[1].start if len(timeline.ranges) > 1 else float("inf")
    assert first_frame - back < 2.0, f"resumed {first_frame - back:.2f}s after the camera came back"
    assert resumed - back < 2.0 + PROBE_LEAD, f"STARTED {resumed - back:.2f}s after the camera came back"
    assert env.statuses() == ["STARTED", "FAILED", "STARTED"]
    failed = env.events.recording("FAILED")[0]
    assert "stream lost" in str(failed["reason"])
    assert len(timeline.ranges) == 2 and len(timeline.gaps) == 1, timeline
    gap = timeline.gaps[0]
    assert 2.5 <= gap.end - gap.start <= 3.0 + 2.5, gap
    assert "stream lost" in gap.cause


def _local(day_start: float, hms: tuple[int, int, int]) -> float:
    return day_start + hms[0] * 3600 + hms[1] * 60 + hms[2]


async def test_a_schedule_window_starts_and_stops_recording_at_its_edges(
    rtsp_server: RtspTestServer, tmp_path: Path
) -> None:
    require_ffmpeg()
    # the last 08:00 at least two seconds ago: ffmpeg names its files by the real clock, so
    # the service's clock must not be ahead of it when the run starts (before 08:00 it
    # would be, and the run's own files would look older than the run)
    now = time.time()
    day = time.localtime(now - 8 * 3600 - 2.0)
    midnight = time.mktime((day.tm_year, day.tm_mon, day.tm_mday, 0, 0, 0, 0, 0, -1))
    opens, closes = _local(midnight, (8, 0, 0)), _local(midnight, (18, 0, 0))
    assert opens - 2.0 <= now
    clock = MovableClock(opens - 2.0)  # two seconds before the window opens
    spec = ModeSpec("schedule", (Window(tuple(range(7)), 8 * 3600, 18 * 3600),), segment_seconds=2)
    async with recorder_env(storage_config(tmp_path), rtsp_server.url, spec, clock) as env:
        assert env.recorder.workers["camera0"].phase in (None, Phase.IDLE)
        await seen_at(env, "STARTED")
        started = clock.time()
        segments = env.recorder.store.camera("camera0")
        await until(lambda: bool(segments.segments), what="a closed segment")
        first_frame = segments.segments[0].start
        clock.advance(closes - 2.0 - clock.time())  # ten hours later, two seconds before closing
        await seen_at(env, "STOPPED")
        stopped = clock.time()
    # ffmpeg starts as the window opens and its first frame is the camera's next key frame:
    # up to one GOP (1 s for the recipe camera) plus ffmpeg's start and the RTSP set-up later
    assert opens - 1.0 <= first_frame <= opens + 2.0, first_frame - opens
    assert started - opens < 1.0 + 1.0  # the notification follows the first bytes on disk
    assert abs(stopped - closes) <= 1.0, stopped - closes
    assert env.statuses() == ["STARTED", "STOPPED"]
    assert env.events.recording("STOPPED")[0]["reason"] == "outside the schedule"


@pytest.fixture
def small_disk(tmp_path: Path) -> object:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount a small tmpfs (sudo, or run as root)")
    mnt = tmp_path / "disk"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mnt)], check=True, timeout=TIMEOUT)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False, timeout=TIMEOUT)


async def test_low_disk_space_pauses_recording_with_a_reason_and_deleting_files_resumes_it(
    rtsp_server: RtspTestServer, small_disk: Path
) -> None:
    require_ffmpeg()
    config = storage_config(small_disk, min_free_mb=24)
    async with recorder_env(config, rtsp_server.url, CONTINUOUS_2S) as env:
        await seen_at(env, "STARTED")
        ballast = small_disk / "ballast"
        # leave ~16 MB free: below the 24 MB minimum
        await asyncio.to_thread(ballast.write_bytes, b"\0" * (32 * 1024 * 1024))
        await seen_at(env, "FAILED")
        paused = env.events.recording("FAILED")[0]
        assert paused["phase"] == "paused_disk" and "disk space low" in str(paused["reason"])
        assert env.recorder.workers["camera0"].run is None  # ffmpeg is stopped, not retried
        ballast.unlink()
        await seen_at(env, "STARTED", 2)
        # as the API reads it, while recording (after the recorder has stopped, the time
        # from the last frame to now is a gap of its own: the service stopping)
        gaps = env.recorder.timeline("camera0", None, None).gaps
    assert env.statuses() == ["STARTED", "FAILED", "STARTED"]
    assert len(gaps) == 1 and "disk space low" in gaps[0].cause


async def test_an_unplugged_camera_waits_and_resumes_at_once_when_it_is_back(tmp_path: Path) -> None:
    require_ffmpeg()
    pattern = Camera("camera0", CameraKind.TEST_PATTERN, "pattern", CameraStatus.CONNECTED,
                     mode=CameraMode("YUYV", 320, 240, 15.0),
                     source_url=LAVFI_PREFIX + "testsrc2=size=320x240:rate=15")  # fmt: skip
    async with recorder_env(storage_config(tmp_path), "", CONTINUOUS_2S, camera=pattern) as env:
        journal = env.recorder.store.camera("camera0")
        await seen_at(env, "STARTED")
        await until(lambda: len(journal.segments) >= 2, what="two closed segments")
        env.registry.set_status("camera0", CameraStatus.DISCONNECTED, "unplugged")
        await seen_at(env, "FAILED")
        waiting = env.events.recording("FAILED")[0]
        assert waiting["phase"] == "waiting_camera" and "disconnected" in str(waiting["reason"])
        assert env.recorder.workers["camera0"].run is None  # ffmpeg stopped, no retries
        back = time.time()
        env.registry.set_status("camera0", CameraStatus.CONNECTED)
        resumed = await seen_at(env, "STARTED", 2)
    assert resumed - back < 2.0  # at once: no back-off after the camera's return
    assert env.statuses() == ["STARTED", "FAILED", "STARTED"]
    # the encoded source gets a key frame at every cut: segments are exactly 2 s
    first = journal.segments[0]
    assert abs((first.end - first.start) - 2.0) <= FRAME, first


def encoders_of(camera_id: str, folder: Path) -> int:
    """How many ffmpeg processes write this camera's continuous segments into ``folder``
    right now (other tests' processes, elsewhere, do not count)."""
    marker = str(folder / f"{camera_id}_%Y").encode()
    return sum(1 for args in ffmpeg_argvs() if any(marker in a for a in args))


async def test_a_new_source_takes_over_at_once_with_one_reader_and_the_break_is_a_gap(
    rtsp_server: RtspTestServer, tmp_path: Path
) -> None:
    """What happens when MediaMTX comes back (the reader URL changes from the camera's own
    to MediaMTX's), shown with a camera whose address changes: the run reading the old
    address gives way within a second, never two ffmpeg at once, and the break is one gap
    with its cause, no longer than the switch took."""
    require_ffmpeg()
    with RtspTestServer() as other:
        async with recorder_env(storage_config(tmp_path), rtsp_server.url, CONTINUOUS_2S) as env:
            await seen_at(env, "STARTED")
            await asyncio.sleep(2.5)  # some recording from the first address
            seen: list[int] = []
            sampling = True

            def sample() -> None:
                while sampling:
                    seen.append(encoders_of("camera0", env.recordings))
                    time.sleep(0.02)

            sampler = asyncio.create_task(asyncio.to_thread(sample))
            worker = env.recorder.workers["camera0"]
            old = worker.run
            switched = time.time()
            cam = env.registry.get("camera0")
            env.registry.upsert(Camera(**{**cam.__dict__, "source_url": other.url}))
            await until(lambda: worker.run is not old, what="the old run to give way")
            gave_way = time.time() - switched
            await until(lambda: worker.run is not None and worker.run.url == other.url
                        and worker.run.anchor is not None, what="the run on the new address")  # fmt: skip
            took = time.time() - switched
            await asyncio.sleep(2.5)  # some recording from the new address
            sampling = False
            await sampler
            timeline = env.recorder.timeline("camera0", None, None)
    assert max(seen) == 1, "two ffmpeg for one camera"
    assert gave_way < 1.0, f"the old source was read {gave_way:.2f}s after the switch"
    # the new run's first bytes follow its connection, the probe and the next key frame
    assert len(timeline.ranges) == 2 and len(timeline.gaps) == 1, timeline
    gap = timeline.gaps[0]
    assert gap.cause == "source switched"
    assert FRAME < gap.end - gap.start <= took + FRAME, (gap, took)
    assert env.statuses() == ["STARTED"]  # no failure to report: the recording went on
    files = sorted(p for p in env.recordings.iterdir() if not p.name.startswith("."))
    assert all(decoded_frames(p) > 0 for p in files)


async def test_the_stopped_duration_is_what_the_files_hold_not_the_run_time(
    rtsp_server: RtspTestServer, tmp_path: Path
) -> None:
    require_ffmpeg()
    async with recorder_env(storage_config(tmp_path), rtsp_server.url, CONTINUOUS_2S) as env:
        await seen_at(env, "STARTED")
        await asyncio.sleep(3.0)  # some recording
        await env.recorder.set_mode("camera0", {"mode": "off"})
        await seen_at(env, "STOPPED")
    files = [p for p in env.recordings.iterdir() if not p.name.startswith(".")]
    held = sum(float(probe(p)["duration"]) for p in files)
    (stopped,) = env.events.recording("STOPPED")
    assert stopped["duration"] == round(held), (stopped, held)
