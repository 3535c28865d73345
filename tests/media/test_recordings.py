"""Recordings from a real RTSP camera: playable files of the right length in every format,
self-stopping durations, segments, and a kept, playable file when things go wrong."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest

from camera_service.errors import (
    CameraUnavailable,
    FFmpegError,
    InvalidParams,
    InvalidState,
)
from camera_service.media.recordings import RecordingJob
from camera_service.models import CameraEvent, CameraEventKind, CameraStatus
from camera_service.models_recordings import RecordingStatus
from support.rtsp_server import RtspTestServer

from .conftest import MediaEnv, make_env
from .helpers import (
    network_camera,
    playable,
    probe,
    require_ffmpeg,
    storage_config,
    until,
)

pytestmark = pytest.mark.integration


def _ended(media: MediaEnv) -> list[dict[str, object]]:
    return [p for p in media.events.recording() if p["status"] in ("STOPPED", "FAILED")]


def _paused(media: MediaEnv) -> list[dict[str, object]]:
    return media.events.recording("ERROR")


def _status(params: dict[str, object]) -> str:
    """The ``status`` of a ``recording_status_update``, which is a string."""
    status = params["status"]
    assert isinstance(status, str), params
    return status


@pytest.mark.parametrize("fmt", ["fmp4", "mp4", "mkv"])
async def test_recording_duration_matches_wall_time(
    media: MediaEnv, rtsp_server_module: RtspTestServer, fmt: str
) -> None:
    cam = network_camera(rtsp_server_module.url)
    t0 = time.monotonic()
    rec = await media.service.start_recording(cam, None, fmt)
    answered = time.monotonic()  # the first bytes are on disk
    assert rec.status is RecordingStatus.RECORDING and rec.format == fmt
    assert [r.filename for r in media.service.active_recordings()] == [rec.filename]
    await asyncio.sleep(5.0)  # the length of the recording under test, not a wait
    since_started = time.monotonic() - answered
    wall = time.monotonic() - t0
    done = await media.service.stop_recording("camera0")

    assert done.status is RecordingStatus.STOPPED, done.reason
    assert done.filename == rec.filename
    assert done.filename.endswith(".mkv" if fmt == "mkv" else ".mp4")
    path = media.recordings / done.filename
    probed = float(probe(path)["duration"])
    # the file holds the whole time from the answer to the stop, and nothing made up: within
    # 10 % of the wall time (a start slowed by a loaded machine shortens only the lower bound)
    assert since_started - 0.1 * wall <= probed <= wall + 0.1 * wall, (probed, since_started, wall)
    assert done.duration == pytest.approx(probed, abs=0.01)
    assert done.file_size == path.stat().st_size
    assert playable(path, min_frames=int(0.9 * 15 * 4))
    assert media.service.active_recordings() == []
    started, stopped = media.events.recording()
    assert (started["status"], stopped["status"]) == ("STARTED", "STOPPED")
    assert started["filename"] == stopped["filename"] == done.filename
    # whole seconds in the notification (compat.json)
    assert isinstance(stopped["duration"], int) and abs(stopped["duration"] - probed) <= 0.51
    topics = [n.topic for n in media.events.items]
    assert topics == ["recording.start", "recording.stop"]


async def test_duration_stops_the_recording_by_itself(
    media: MediaEnv, rtsp_server_module: RtspTestServer
) -> None:
    rec = await media.service.start_recording(network_camera(rtsp_server_module.url), 3, None)
    await until(lambda: bool(_ended(media)), what="the recording to stop by itself")
    (end,) = _ended(media)
    assert end["status"] == "STOPPED" and end["filename"] == rec.filename
    assert float(probe(media.recordings / rec.filename)["duration"]) == pytest.approx(3, abs=0.3)
    assert media.service.active_recordings() == []
    with pytest.raises(InvalidState) as e:
        await media.service.stop_recording("camera0")
    assert e.value.state == "not_recording"


async def test_one_recording_per_camera(
    media: MediaEnv, rtsp_server_module: RtspTestServer
) -> None:
    cam = network_camera(rtsp_server_module.url)
    first = await media.service.start_recording(cam, None, None)
    with pytest.raises(InvalidState) as e:
        await media.service.start_recording(cam, None, "mkv")
    assert e.value.state == "recording"
    other = await media.service.start_recording(network_camera(cam.source_url or "", "camera1"),
                                                None, None)  # fmt: skip
    assert {r.camera_id for r in media.service.active_recordings()} == {"camera0", "camera1"}
    assert other.filename.startswith("camera1_") and first.filename.startswith("camera0_")
    await media.service.stop_recording("camera0")
    await media.service.stop_recording("camera1")


async def test_stop_when_not_recording_and_bad_params(media: MediaEnv) -> None:
    with pytest.raises(InvalidState) as e:
        await media.service.stop_recording("camera0")
    assert e.value.state == "not_recording"
    cam = network_camera("rtsp://127.0.0.1:9/none")
    with pytest.raises(InvalidParams) as p:
        await media.service.start_recording(cam, None, "avi")
    assert p.value.param == "format"
    with pytest.raises(InvalidParams) as p:
        await media.service.start_recording(cam, -1, None)
    assert p.value.param == "duration"
    with pytest.raises(CameraUnavailable):
        await media.service.start_recording(
            network_camera("rtsp://127.0.0.1:9/none", status=CameraStatus.ERROR), None, None
        )


async def test_unreachable_camera_fails_to_start_without_a_file(
    media: MediaEnv, rtsp_server: RtspTestServer
) -> None:
    cam = network_camera(rtsp_server.url)
    rtsp_server.stop()
    with pytest.raises(FFmpegError, match="did not start"):
        await media.service.start_recording(cam, None, None)
    assert os.listdir(media.recordings) == []
    assert media.events.items == [] and media.service.active_recordings() == []


async def test_server_killed_mid_recording_pauses_and_keeps_a_playable_file(
    media: MediaEnv, rtsp_server: RtspTestServer
) -> None:
    rec = await media.service.start_recording(network_camera(rtsp_server.url), None, "fmp4")
    await until(lambda: (media.recordings / rec.filename).stat().st_size > 200_000,
                what="some video on disk")  # fmt: skip
    rtsp_server.kill()
    await until(lambda: bool(_paused(media)), what="the pause notification")
    (pause,) = _paused(media)
    assert pause["filename"] == rec.filename and pause["phase"] == "paused"
    assert str(pause["reason"]).startswith("stream lost")
    assert [n.topic for n in media.events.items][-1] == "recording.error"
    assert playable(media.recordings / rec.filename, min_frames=5)  # while paused, too
    (active,) = media.service.active_recordings()
    assert active.paused.startswith("stream lost")
    final = await media.service.stop_recording("camera0")
    assert final.status is RecordingStatus.STOPPED and final.filename == rec.filename
    assert media.service.active_recordings() == []


def ffmpeg_child(wrapper: int) -> int:
    """The ffmpeg process that the lifeline wrapper ``wrapper`` runs."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
            cmd = (stat.parent / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if int(fields[1]) == wrapper and cmd[0].endswith(b"ffmpeg"):
            return int(stat.parent.name)
    raise AssertionError(f"no ffmpeg under pid {wrapper}")


async def test_sigkilled_ffmpeg_leaves_a_playable_fmp4(
    media: MediaEnv, rtsp_server_module: RtspTestServer
) -> None:
    rec = await media.service.start_recording(network_camera(rtsp_server_module.url), None, None)
    path = media.recordings / rec.filename
    await until(lambda: path.stat().st_size > 700_000, what="some video on disk")
    piece = media.service._jobs["camera0"].piece
    assert isinstance(piece, RecordingJob)  # its own ffmpeg: pre-roll is off here
    wrapper = piece.proc.pid
    assert wrapper is not None
    os.kill(ffmpeg_child(wrapper), signal.SIGKILL)  # the real ffmpeg, killed from outside
    await until(lambda: bool(_paused(media)), what="the pause notification")
    assert "signal 9" in str(_paused(media)[0]["reason"])
    assert playable(path, min_frames=15)
    # the camera is still there: the recording resumes at once, and stays one file
    await until(lambda: len(media.events.recording("STARTED")) == 2, what="the resume")
    final = await media.service.stop_recording("camera0")
    assert final.status is RecordingStatus.STOPPED and final.segments == ()
    assert os.listdir(media.recordings) == [rec.filename]
    assert len(final.gaps) == 1 and "signal 9" in final.gaps[0].cause
    assert playable(path, min_frames=15)


async def test_a_network_camera_disconnect_pauses_and_its_removal_ends_the_recording(
    media: MediaEnv, rtsp_server_module: RtspTestServer
) -> None:
    cam = network_camera(rtsp_server_module.url)
    rec = await media.service.start_recording(cam, None, "mp4")
    path = media.recordings / rec.filename
    await until(lambda: path.stat().st_size > 200_000, what="some video on disk")
    gone = network_camera(cam.source_url or "", status=CameraStatus.DISCONNECTED,
                          reason="probe failed")  # fmt: skip
    media.service.on_camera_event(CameraEvent(CameraEventKind.CHANGED, gone, cam))
    assert [r.filename for r in media.service.active_recordings()] == [rec.filename]
    media.service.on_camera_event(CameraEvent(CameraEventKind.REMOVED, gone, gone))
    await until(lambda: bool(_ended(media)), what="the FAILED notification")
    (end,) = _ended(media)
    assert end["status"] == "FAILED"
    assert end["reason"] == "camera removed"
    assert playable(path, min_frames=5)  # mp4 finalized: the stop was graceful


@pytest.mark.parametrize(("fmt", "ext"), [("fmp4", ".mp4"), ("mkv", ".mkv")])  # mp4: same path
async def test_segments_are_all_listed_and_playable(
    tmp_path: Path, rtsp_server_module: RtspTestServer, fmt: str, ext: str
) -> None:
    require_ffmpeg()
    async with make_env(storage_config(tmp_path, segment_seconds=1)) as env:
        rec = await env.service.start_recording(network_camera(rtsp_server_module.url), 3, fmt)
        assert rec.filename.endswith("_000" + ext)
        await until(lambda: bool(_ended(env)), what="the end of the recording")
        (end,) = _ended(env)
        assert end["status"] == "STOPPED", end
        segments = end["segments"]
        assert isinstance(segments, list) and len(segments) >= 2
        assert segments == sorted(os.listdir(env.recordings))
        assert all(playable(env.recordings / s) for s in segments)
        total = sum(float(probe(env.recordings / s)["duration"]) for s in segments)
        assert total == pytest.approx(3, abs=0.5)
        assert isinstance(end["duration"], int) and abs(end["duration"] - total) <= 0.8


async def test_leaving_the_service_finalizes_every_recording(
    tmp_path: Path, rtsp_server_module: RtspTestServer
) -> None:
    require_ffmpeg()
    async with make_env(storage_config(tmp_path)) as env:
        cams = [network_camera(rtsp_server_module.url, f"camera{i}") for i in range(2)]
        recs = [await env.service.start_recording(c, None, "mp4") for c in cams]
        pids = [job.piece.proc.pid for job in env.service._jobs.values()
                if isinstance(job.piece, RecordingJob)]
        await until(lambda: all((env.recordings / r.filename).stat().st_size > 150_000
                                for r in recs), what="video on disk")  # fmt: skip
        events = env.events
    # the context has exited: both mp4 files were finalized (moov written) before it returned
    assert sorted(_status(p) for p in events.recording()) == [
        "STARTED", "STARTED", "STOPPED", "STOPPED"
    ]  # fmt: skip
    for r in recs:
        assert playable(env.recordings / r.filename, min_frames=3)
    for pid in pids:
        assert pid is not None
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


async def test_a_stalled_camera_pauses_the_recording_after_the_io_timeout(
    tmp_path: Path, rtsp_server: RtspTestServer
) -> None:
    require_ffmpeg()
    async with make_env(storage_config(tmp_path), io_timeout=1.0) as env:
        rec = await env.service.start_recording(network_camera(rtsp_server.url), None, None)
        path = env.recordings / rec.filename
        await until(lambda: path.stat().st_size > 200_000, what="some video on disk")
        assert rtsp_server.pid is not None
        os.kill(rtsp_server.pid, signal.SIGSTOP)  # connection open, no more packets
        try:
            await until(lambda: bool(_paused(env)), what="the pause notification")
        finally:
            os.kill(rtsp_server.pid, signal.SIGCONT)
        (pause,) = _paused(env)
        assert str(pause["reason"]).startswith("stream lost")
        assert playable(path, min_frames=5)
