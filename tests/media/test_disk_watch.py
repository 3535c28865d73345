"""Free space per storage location with real ffmpeg and two small filesystems (tmpfs, as
root): a low motion buffer pauses the camera in mode ``motion`` only, while a continuous
camera recording on another filesystem goes on; the recorder's health tells recording from
buffering for motion."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from camera_service.media.motion_buffer import Capture
from camera_service.media.recorder_policy import Phase
from camera_service.models import ComponentHealth
from camera_service.recording_modes import ModeSpec
from support.rtsp_server import RtspTestServer

from .helpers import TIMEOUT, network_camera, require_ffmpeg, storage_config, until
from .recorder_env import RecorderEnv, recorder_env

pytestmark = pytest.mark.integration

MIN_FREE_MB = 16


def mount_tmpfs(folder: Path, size_mb: int) -> None:
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0750", "tmpfs", str(folder)],
                   check=True, timeout=TIMEOUT)  # fmt: skip


@pytest.fixture
def two_disks(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """The state folder (the motion buffer) and the recordings folder, each its own tmpfs."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("needs root to mount two small tmpfs (sudo, or run as root)")
    state, recordings = tmp_path / "state", tmp_path / "recordings"
    mounted = []
    try:
        for folder in (state, recordings):
            mount_tmpfs(folder, 32)
            mounted.append(folder)
        yield state, recordings
    finally:
        for folder in mounted:
            subprocess.run(["umount", "-l", str(folder)], check=False, timeout=TIMEOUT)


def phase(env: RecorderEnv, camera_id: str) -> Phase | None:
    w = env.recorder.workers.get(camera_id)
    return w.phase if w is not None else None


async def test_a_low_buffer_disk_pauses_only_the_motion_camera_and_continuous_recording_goes_on(
    rtsp_server: RtspTestServer, two_disks: tuple[Path, Path]
) -> None:
    require_ffmpeg()
    state, recordings = two_disks
    config = storage_config(state, recordings_dir=recordings, snapshots_dir=recordings / "snapshots",
                            min_free_mb=MIN_FREE_MB)  # fmt: skip
    motion = network_camera(rtsp_server.url, "camera1")
    async with recorder_env(config, rtsp_server.url, ModeSpec("continuous", segment_seconds=1),
                            more=[motion], modes={"camera1": ModeSpec("motion")}) as env:  # fmt: skip
        env.recorder.buffer.capture_for = lambda camera_id: Capture(enabled=True)  # as the app wires it
        env.recorder.workers["camera1"].wake.set()
        await until(lambda: phase(env, "camera0") is phase(env, "camera1") is Phase.RECORDING,
                    what="camera0 recording and camera1 buffering")  # fmt: skip
        assert env.recorder.health() == ComponentHealth(
            "recorder", True, "ok", "1 camera(s) recording, 1 buffering for motion"
        )
        ballast = state / "ballast"  # leaves under 8 MB free where the buffer is written
        await asyncio.to_thread(ballast.write_bytes, b"\0" * ((32 - MIN_FREE_MB // 2) * 1024 * 1024))
        await until(lambda: phase(env, "camera1") is Phase.PAUSED_DISK, what="the motion camera paused")
        assert env.recorder.workers["camera1"].run is None  # its ffmpeg is stopped, not retried
        assert "free for the motion buffer" in env.recorder.workers["camera1"].reason
        journal = env.recorder.store.camera("camera0")
        closed = len(journal.segments)
        await until(lambda: len(journal.segments) >= closed + 2, what="two more continuous segments")
        assert phase(env, "camera0") is Phase.RECORDING
        health = env.recorder.health()
        assert (health.healthy, health.detail) == (False, "not recording: camera1")
        ballast.unlink()
        await until(lambda: phase(env, "camera1") is Phase.RECORDING, what="the motion camera resumed")
    by_camera = {c: [str(p["status"]) for p in env.events.recording() if p["device"] == c]
                 for c in ("camera0", "camera1")}  # fmt: skip
    assert by_camera == {"camera0": ["STARTED"], "camera1": ["STARTED", "FAILED", "STARTED"]}
    paused = env.events.recording("FAILED")[0]
    assert paused["phase"] == "paused_disk" and paused["mode"] == "motion"
