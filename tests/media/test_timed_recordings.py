"""Timed recordings end within one frame of the asked length, in every format, also when
the camera is joined in the middle of a GOP (ffmpeg's ``-t`` counted from the stream's
first packet while a copy starts at the first key frame: 4 s asked gave 3.52 s)."""

from __future__ import annotations

import asyncio
import dataclasses
import subprocess
from pathlib import Path

import pytest

from camera_service.media.recordings import RecordingJob
from camera_service.models import CameraMode
from camera_service.models_recordings import Recording, RecordingStatus
from support.rtsp_server import RtspTestServer

from .conftest import MediaEnv
from .helpers import TIMEOUT, decoded_frames, network_camera, probe, require_ffmpeg, until

pytestmark = pytest.mark.integration

FPS = 15.0
FRAME = 1 / FPS


def frames_and_duration(path: Path) -> tuple[int, float]:
    return decoded_frames(path), float(probe(path)["duration"])


@pytest.mark.parametrize("fmt", ["fmp4", "mp4", "mkv"])
async def test_duration_4_gives_4s_within_one_frame(
    media: MediaEnv, rtsp_server_module: RtspTestServer, fmt: str
) -> None:
    cam = dataclasses.replace(
        network_camera(rtsp_server_module.url), mode=CameraMode("H264", 640, 480, FPS)
    )
    rec = await media.service.start_recording(cam, 4, fmt)
    await until(lambda: bool(media.events.recording("STOPPED")), what="the recording to end")
    end = media.events.recording("STOPPED")[0]
    assert end["reason"] == "duration reached"
    frames, duration = frames_and_duration(media.recordings / rec.filename)
    assert abs(frames * FRAME - 4.0) <= FRAME + 1e-6, frames
    assert abs(duration - 4.0) <= FRAME + 1e-3, duration


async def test_a_timed_copy_joined_mid_gop_is_still_the_asked_length(tmp_path: Path) -> None:
    require_ffmpeg()
    source = tmp_path / "full.ts"
    await asyncio.to_thread(
        subprocess.run,
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=15", "-t", "12",
         "-c:v", "libx264", "-g", "30", "-bf", "0", str(source)],
        check=True, timeout=TIMEOUT,
    )  # fmt: skip
    data = source.read_bytes()
    mid = tmp_path / "mid.ts"  # starts 5 s in: 1 s before the next key frame
    mid.write_bytes(data[len(data) * 5 // 12 // 188 * 188 :])
    ended: list[Recording] = []
    job = RecordingJob(
        camera_id="camera0", url=str(mid), directory=tmp_path, filename="out.mp4", fmt="fmp4",
        duration=4, segment_seconds=0, stop_timeout=10, start_timeout=TIMEOUT, io_timeout=5,
        on_end=ended.append, fps=FPS,
    )  # fmt: skip
    await job.start()
    final = await job.wait()
    assert final.status is RecordingStatus.STOPPED, final.reason
    frames, _ = frames_and_duration(tmp_path / "out.mp4")
    assert abs(frames * FRAME - 4.0) <= FRAME + 1e-6, frames
