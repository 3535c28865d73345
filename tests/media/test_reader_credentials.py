"""ffmpeg reading a camera that asks for a password (the real RTSP test camera with Basic
auth; with MediaMTX, the internal reader credential is the same kind of URL): snapshots,
timed recordings and continuous segments work as with an open camera, and the password is
on no command line in ``/proc`` while ffmpeg runs: it reaches ffmpeg in an ffconcat script
on a pipe."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import time
from pathlib import Path

import pytest

from camera_service.errors import FFmpegError
from camera_service.media.segmenter import PROBE_LEAD
from camera_service.models import CameraMode
from camera_service.recording_modes import ModeSpec
from support.cmdlines import CmdlineWatch
from support.rtsp_server import RtspTestServer

from .conftest import MediaEnv
from .helpers import decoded_frames, network_camera, probe, require_ffmpeg, storage_config, until
from .recorder_env import RecorderEnv, recorder_env

pytestmark = pytest.mark.integration

FPS = 15.0
FRAME = 1 / FPS
SECRET = b"s3cret"  # in CAMERA_CREDENTIALS' password, as it is and percent-encoded
CONTINUOUS_2S = ModeSpec("continuous", segment_seconds=2)


def assert_hidden(watch: CmdlineWatch) -> None:
    assert watch.ffmpeg, "no ffmpeg was seen while it ran"
    assert all(b" -f concat " in cmd and b"rtsp://" not in cmd for cmd in watch.ffmpeg.values())
    assert not watch.leaks, watch.leaks


async def test_a_snapshot_of_a_camera_with_a_password_keeps_it_off_the_command_line(
    media: MediaEnv, rtsp_auth_server_module: RtspTestServer, tmp_path: Path
) -> None:
    with CmdlineWatch(SECRET, under=tmp_path) as watch:
        snap = await media.service.take_snapshot(network_camera(rtsp_auth_server_module.url), None)
    assert (await asyncio.to_thread(Path(snap.path).read_bytes))[:3] == b"\xff\xd8\xff"
    assert probe(Path(snap.path))["width"] == "640"
    assert_hidden(watch)


async def test_a_wrong_password_fails_with_the_cameras_answer_and_no_password(
    media: MediaEnv, rtsp_auth_server_module: RtspTestServer
) -> None:
    wrong = rtsp_auth_server_module.open_url.replace("rtsp://", "rtsp://admin:wr0ng@")
    with pytest.raises(FFmpegError) as caught:
        await media.service.take_snapshot(network_camera(wrong), None)
    text = f"{caught.value}\n{caught.value.stderr_tail}"
    assert "401" in text or "Unauthorized" in text or "authorization" in text, text
    assert "wr0ng" not in text


@pytest.mark.parametrize("fmt", ["fmp4", "mp4", "mkv"])
async def test_a_timed_recording_of_a_camera_with_a_password_is_4s_within_one_frame(
    media: MediaEnv, rtsp_auth_server_module: RtspTestServer, tmp_path: Path, fmt: str
) -> None:
    cam = dataclasses.replace(
        network_camera(rtsp_auth_server_module.url), mode=CameraMode("H264", 640, 480, FPS)
    )
    with CmdlineWatch(SECRET, under=tmp_path) as watch:
        rec = await media.service.start_recording(cam, 4, fmt)
        await until(lambda: bool(media.events.recording("STOPPED")), what="the recording to end")
    assert media.events.recording("STOPPED")[0]["reason"] == "duration reached"
    path = media.recordings / rec.filename
    frames, duration = decoded_frames(path), float(probe(path)["duration"])
    assert abs(frames * FRAME - 4.0) <= FRAME + 1e-6, frames
    assert abs(duration - 4.0) <= FRAME + 1e-3, duration
    assert_hidden(watch)


async def _seen(env: RecorderEnv, status: str, count: int = 1) -> float:
    await until(lambda: env.statuses().count(status) >= count, what=f"{count}x {status}")
    return time.time()


async def test_continuous_segments_of_a_camera_with_a_password_are_contiguous(
    rtsp_auth_server_module: RtspTestServer, tmp_path: Path
) -> None:
    require_ffmpeg()
    config = storage_config(tmp_path)
    with CmdlineWatch(SECRET, under=tmp_path) as watch:
        async with recorder_env(config, rtsp_auth_server_module.url, CONTINUOUS_2S) as env:
            started = await _seen(env, "STARTED")
            await asyncio.sleep(7)
            stopping = time.time()
    segments = env.recorder.store.camera("camera0").segments
    files = sorted(p for p in env.recordings.iterdir() if not p.name.startswith("."))
    assert [s.name for s in segments] == [p.name for p in files]
    assert len(files) >= 3, files
    durations = []
    for seg, path in zip(segments, files, strict=True):
        duration = float(probe(path)["duration"])
        durations.append(duration)
        assert abs(duration - (seg.end - seg.start)) <= FRAME + 1e-3, (path.name, duration, seg)
        assert decoded_frames(path) >= round(duration * FPS) - 1, path.name
    for a, b in itertools.pairwise(segments):
        assert abs(b.start - a.end) < FRAME, (a, b)
    wall = stopping - (started - PROBE_LEAD)
    assert abs(sum(durations) - wall) <= 0.05 * wall, (sum(durations), wall)
    assert env.statuses() == ["STARTED"]
    assert_hidden(watch)


async def test_an_outage_of_a_camera_with_a_password_is_one_gap_and_recording_resumes(
    rtsp_auth_server: RtspTestServer, tmp_path: Path
) -> None:
    require_ffmpeg()
    with CmdlineWatch(SECRET, under=tmp_path) as watch:
        async with recorder_env(storage_config(tmp_path), rtsp_auth_server.url, CONTINUOUS_2S) as env:
            await _seen(env, "STARTED")
            await asyncio.sleep(2.5)
            rtsp_auth_server.kill()
            killed = time.time()
            await _seen(env, "FAILED")
            await asyncio.sleep(max(0.0, 3.0 - (time.time() - killed)))
            rtsp_auth_server.restart()
            back = time.time()
            resumed = await _seen(env, "STARTED", 2)
            await asyncio.sleep(2.5)
            timeline = env.recorder.timeline("camera0", None, None)
    assert env.statuses() == ["STARTED", "FAILED", "STARTED"]
    assert resumed - back < 2.0 + PROBE_LEAD, f"STARTED {resumed - back:.2f}s after the camera came back"
    assert len(timeline.ranges) == 2 and len(timeline.gaps) == 1, timeline
    gap = timeline.gaps[0]
    assert 2.5 <= gap.end - gap.start <= 3.0 + 2.5, gap
    assert "stream lost" in gap.cause
    assert SECRET.decode() not in gap.cause
    assert len(watch.ffmpeg) >= 2, "both runs were seen"
    assert_hidden(watch)
