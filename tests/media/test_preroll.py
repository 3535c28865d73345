"""Recordings started from a camera's held GOP (``storage.recording_preroll``,
media/preroll.py) against the RTSP recipe camera: the file holds media, from a key frame,
when ``start_recording`` answers; a timed one has the asked length to the frame; one
through the camera's death and return is one file that plays; the keeper leaves no
process behind."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import statistics
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from camera_service.media import fmp4
from camera_service.media.preroll import PrerollKeeper
from camera_service.models import Camera, CameraMode, CameraStatus
from support.rtsp_server import RtspTestServer

from .conftest import MediaEnv
from .helpers import TIMEOUT, decoded_frames, network_camera, probe, until
from .test_resumed_recordings import decode_errors

pytestmark = pytest.mark.integration

FPS = 15.0
FRAME = 1 / FPS
GOP = 1.0


def camera(url: str) -> Camera:
    return dataclasses.replace(network_camera(url), mode=CameraMode("H264", 640, 480, FPS))


@pytest.fixture
async def keeper(media: MediaEnv) -> AsyncIterator[PrerollKeeper]:
    async with PrerollKeeper(lambda c: c.source_url or "", io_timeout=5.0) as keeper:
        media.service.pre_roll = keeper
        yield keeper
        media.service.pre_roll = None


def first_frame(path: Path) -> str:
    r = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-read_intervals", "%+#1",
                        "-show_entries", "frame=key_frame,pict_type", "-of", "csv=p=0", str(path)],
                       capture_output=True, text=True, timeout=TIMEOUT, check=True)  # fmt: skip
    return r.stdout.split()[0].rstrip(",")


async def test_a_recording_has_media_from_a_key_frame_on_disk_when_it_answers(
    media: MediaEnv, rtsp_server: RtspTestServer, keeper: PrerollKeeper, caplog: pytest.LogCaptureFixture
) -> None:
    cam = camera(rtsp_server.url)
    keeper.track(cam)
    caplog.set_level(logging.INFO, "camera_service.media.preroll_job")
    took = []
    for asked in (2.0, None, None):
        # the checks below run ffprobe in the loop's thread: the keeper catches up first
        await until(lambda: keeper.holds(cam.id), what="the camera's GOP held")
        t0 = time.perf_counter()
        rec = await media.service.start_recording(cam, asked, None)
        took.append(time.perf_counter() - t0)
        path = media.recordings / rec.filename
        assert fmp4.holds_media(path.read_bytes()), "no media on disk when start_recording answered"
        if asked is None:
            await asyncio.sleep(1.0)  # some recording, not a wait for something
            recorded = (await media.service.stop_recording(cam.id)).duration or 0.0
        else:
            await until(lambda: bool(media.events.recording("STOPPED")), what="the timed end")
            (done,) = media.events.recording("STOPPED")
            assert done["reason"] == "duration reached", done
            recorded = float(str(done["recorded_duration"]))
            assert abs(recorded - asked) <= FRAME / 2 + 1e-6, done
            assert abs(decoded_frames(path) - asked * FPS) <= 1
        assert first_frame(path) == "1,I", "the file does not start at a key frame"
        assert decode_errors(path) == ""
        assert abs(float(probe(path)["duration"]) - recorded) <= FRAME
    print(f"first media on disk after {[round(t, 4) for t in took]} s")
    assert statistics.median(took) < 0.3
    assert caplog.text.count("started from the pre-roll") == 3


async def test_a_held_recording_goes_through_the_camera_dying_and_returning(
    media: MediaEnv, rtsp_server: RtspTestServer, keeper: PrerollKeeper
) -> None:
    cam = camera(rtsp_server.url)
    keeper.track(cam)
    await until(lambda: keeper.holds(cam.id), what="the camera's GOP held")
    asked = 4.0
    rec = await media.service.start_recording(cam, asked, "fmp4")
    path = media.recordings / rec.filename
    await until(lambda: path.stat().st_size > 150_000, what="some video on disk")
    rtsp_server.kill()
    await until(lambda: bool(media.events.recording("ERROR")), what="the pause")
    assert not keeper.holds(cam.id)
    await asyncio.to_thread(rtsp_server.start)
    await until(lambda: bool(media.events.recording("STOPPED")), what="the end", within=3 * TIMEOUT)
    (end,) = media.events.recording("STOPPED")
    assert end["reason"] == "duration reached", end
    assert abs(float(str(end["recorded_duration"])) - asked) <= GOP, end
    gaps = end["gaps"]
    assert isinstance(gaps, list) and len(gaps) == 1 and str(gaps[0]["cause"]).startswith("stream lost")
    assert os.listdir(media.recordings) == [rec.filename]
    assert decode_errors(path, lost=1) == ""
    assert abs(decoded_frames(path) / FPS - asked) <= GOP


async def test_the_keeper_leaves_no_process_and_ends_its_feeds(
    media: MediaEnv, rtsp_server: RtspTestServer
) -> None:
    cam = camera(rtsp_server.url)
    async with PrerollKeeper(lambda c: c.source_url or "", io_timeout=5.0) as keeper:
        keeper.track(cam)
        await until(lambda: keeper.holds(cam.id), what="the camera's GOP held")
        (pid,) = keeper.pids().values()
        feed = keeper.feed(cam.id, rtsp_server.url)
        assert feed is not None and feed.backlog[0].info.key and feed.init.startswith(b"\0\0\0")
        assert keeper.feed(cam.id, "rtsp://127.0.0.1:1/other") is None  # held for its URL only
        keeper.track(dataclasses.replace(cam, status=CameraStatus.DISCONNECTED))
        await until(lambda: feed.closed, what="the feed ended with the camera")
    with pytest.raises(ProcessLookupError):  # stopped and reaped
        os.kill(pid, 0)
