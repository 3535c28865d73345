"""A timed recording through its camera's death and return (the RTSP recipe camera killed
and restarted on the same port): it pauses with the cause, resumes by itself, ends at the
asked length of *recorded* time, and is one file that plays end to end, with the gap in
its result and in its notifications."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import subprocess
from pathlib import Path

import pytest

from camera_service.models import CameraMode
from camera_service.models_recordings import RecordingStatus
from support.rtsp_server import RtspTestServer

from .conftest import MediaEnv, make_env
from .helpers import TIMEOUT, decoded_frames, network_camera, probe, storage_config, until

pytestmark = pytest.mark.integration

FPS = 15.0
GOP = 1.0  # the recipe camera sends a key frame every 15 frames
OUTAGE = 1.5


def decode_errors(path: Path, lost: int = 0) -> str:
    """ffmpeg decodes the whole file; its complaints (empty: it plays end to end). ``vfr``:
    each frame keeps its own time (an RTSP copy's first key frame has no timestamp, so
    ffmpeg gives it the next frame's: the null muxer's passthrough would object to that
    pair at the start of every piece, a muxer complaint, not a decoding error). ``lost``:
    how many streams were lost in the file; each may end in the frame that was arriving
    when the connection dropped, cut short (one "Error while decoding" each, no more)."""
    r = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-fps_mode", "vfr", "-f", "null", "-"],
                       capture_output=True, text=True, timeout=TIMEOUT * 3, check=False)  # fmt: skip
    if r.returncode != 0:
        return f"exit {r.returncode}: {r.stderr}"
    cut = r.stderr.count("Error while decoding")
    return "" if cut <= lost and (cut or not r.stderr.strip()) else r.stderr.strip()


@pytest.mark.parametrize("fmt", ["fmp4", "mp4", "mkv"])
async def test_a_timed_recording_survives_the_camera_dying_and_returning(
    media: MediaEnv, rtsp_server: RtspTestServer, fmt: str
) -> None:
    cam = dataclasses.replace(network_camera(rtsp_server.url), mode=CameraMode("H264", 640, 480, FPS))
    asked = 6.0
    rec = await media.service.start_recording(cam, asked, fmt)
    path = media.recordings / rec.filename
    await until(lambda: path.stat().st_size > 150_000, what="some video on disk")
    rtsp_server.kill()
    await until(lambda: bool(media.events.recording("ERROR")), what="the pause")
    (pause,) = media.events.recording("ERROR")
    assert pause["phase"] == "paused" and str(pause["reason"]).startswith("stream lost")
    await asyncio.sleep(OUTAGE)  # the outage itself, not a wait for something
    await asyncio.to_thread(rtsp_server.start)
    await until(lambda: len(media.events.recording("STARTED")) == 2, what="the resume")
    resumed = media.events.recording("STARTED")[1]
    assert resumed["phase"] == "resumed" and resumed["filename"] == rec.filename
    await until(lambda: bool(media.events.recording("STOPPED")), what="the end", within=3 * TIMEOUT)

    (end,) = media.events.recording("STOPPED")
    assert end["reason"] == "duration reached" and end["filename"] == rec.filename
    recorded = float(str(end["recorded_duration"]))
    assert abs(recorded - asked) <= GOP, end
    assert end["duration"] == round(recorded)
    assert float(str(end["wall_duration"])) >= recorded + OUTAGE - GOP, end
    gaps = end["gaps"]
    assert isinstance(gaps, list) and len(gaps) == 1, gaps
    gap = gaps[0]
    assert str(gap["cause"]).startswith("stream lost") and gap["length"] >= OUTAGE - GOP, gap
    # one recording: one file, listed once, that plays end to end at the asked length
    assert os.listdir(media.recordings) == [rec.filename]
    files, total = await media.storage.list_files("recordings", 50, 0)
    assert total == 1 and files[0].filename == rec.filename
    assert decode_errors(path, lost=1) == ""
    assert abs(decoded_frames(path) / FPS - asked) <= GOP
    assert abs(float(probe(path)["duration"]) - recorded) <= 2 / FPS
    info = await media.storage.file_info("recordings", rec.filename)
    assert info.duration is not None and abs(info.duration - recorded) <= 2 / FPS
    # the file itself keeps its gaps: its info tells them after a restart too
    assert info.wall_duration == pytest.approx(float(str(end["wall_duration"])), abs=0.01)
    assert [g.cause for g in info.gaps] == [gap["cause"]]
    assert media.service.active_recordings() == []


async def test_a_manual_recording_stopped_while_paused_keeps_what_it_wrote(
    media: MediaEnv, rtsp_server: RtspTestServer
) -> None:
    rec = await media.service.start_recording(network_camera(rtsp_server.url), None, "fmp4")
    path = media.recordings / rec.filename
    await until(lambda: path.stat().st_size > 150_000, what="some video on disk")
    rtsp_server.kill()
    await until(lambda: bool(media.events.recording("ERROR")), what="the pause")
    final = await media.service.stop_recording("camera0")
    assert final.status is RecordingStatus.STOPPED and final.reason == ""
    assert final.duration is not None and final.duration > 0.5
    assert final.gaps == () and os.listdir(media.recordings) == [rec.filename]
    assert decode_errors(path, lost=1) == ""
    (end,) = media.events.recording("STOPPED")
    assert end["duration"] == round(final.duration)


async def test_a_segmented_recording_numbers_its_segments_on_across_a_pause(
    tmp_path: Path, rtsp_server: RtspTestServer
) -> None:
    async with make_env(storage_config(tmp_path, segment_seconds=2)) as env:
        rec = await env.service.start_recording(network_camera(rtsp_server.url), None, "fmp4")
        await until(lambda: len(os.listdir(env.recordings)) >= 2, what="a second segment")
        rtsp_server.kill()
        await until(lambda: bool(env.events.recording("ERROR")), what="the pause")
        await asyncio.to_thread(rtsp_server.start)
        await until(lambda: len(env.events.recording("STARTED")) == 2, what="the resume")
        before = set(os.listdir(env.recordings))
        await until(lambda: len(set(os.listdir(env.recordings)) - before) >= 1, what="a new segment")
        final = await env.service.stop_recording("camera0")
    stem = rec.filename.removesuffix("_000.mp4")
    names = sorted(os.listdir(env.recordings))
    assert names == [f"{stem}_{i:03d}.mp4" for i in range(len(names))], names
    assert list(final.segments) == names and final.filename == names[0]
    assert len(final.gaps) == 1 and final.gaps[0].cause.startswith("stream lost")
    held = sum(float(probe(env.recordings / n)["duration"]) for n in names)
    assert final.duration == pytest.approx(held, abs=0.1)
    assert all(decode_errors(env.recordings / n, lost=1) == "" for n in names)
