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

from camera_service.models import CameraMode, RecordingStatus
from support.rtsp_server import RtspTestServer

from .conftest import MediaEnv
from .helpers import TIMEOUT, decoded_frames, network_camera, probe, until

pytestmark = pytest.mark.integration

FPS = 15.0
GOP = 1.0  # the recipe camera sends a key frame every 15 frames
OUTAGE = 1.5


def decode_errors(path: Path) -> str:
    """ffmpeg decodes the whole file; its complaints (empty: it plays end to end). ``vfr``:
    each frame keeps its own time (an RTSP copy's first key frame has no timestamp, so
    ffmpeg gives it the next frame's: the null muxer's passthrough would object to that
    pair at the start of every piece, a muxer complaint, not a decoding error)."""
    r = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-fps_mode", "vfr", "-f", "null", "-"],
                       capture_output=True, text=True, timeout=TIMEOUT * 3, check=False)  # fmt: skip
    return r.stderr.strip() if r.returncode == 0 else f"exit {r.returncode}: {r.stderr}"


@pytest.mark.parametrize("fmt", ["fmp4", "mp4"])
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
    assert decode_errors(path) == ""
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
    assert decode_errors(path) == ""
    (end,) = media.events.recording("STOPPED")
    assert end["duration"] == round(final.duration)
