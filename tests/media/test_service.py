"""MediaService against a real RTSP camera and real file systems: a small tmpfs that fills
up, retention next to a running recording, and the retention schedule."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from camera_service.config.model import RetentionConfig
from camera_service.errors import DiskFullError, InvalidState
from camera_service.models_recordings import RetentionPolicy
from support.rtsp_server import RtspTestServer

from .conftest import MediaEnv, make_env
from .helpers import TIMEOUT, network_camera, playable, require_ffmpeg, storage_config, until

pytestmark = pytest.mark.integration

OLD = 10 * 86400.0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MiB tmpfs mounted for the test (root only); always unmounted afterwards."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root: run the suite as root (CI does)")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)],
                       capture_output=True, text=True, timeout=TIMEOUT, check=False)  # fmt: skip
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip()}): needs CAP_SYS_ADMIN")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], timeout=TIMEOUT, check=False)


async def test_low_disk_stops_recordings_cleanly_and_refuses_new_ones(
    small_disk: Path, rtsp_server_module: RtspTestServer
) -> None:
    require_ffmpeg()
    cam = network_camera(rtsp_server_module.url)
    # 4 MiB disk, at least 3 MiB must stay free: about 1 MiB (a few seconds) of video fits
    async with make_env(storage_config(small_disk, min_free_mb=3)) as env:
        rec = await env.service.start_recording(cam, None, "mp4")
        await until(lambda: any(p["status"] != "STARTED" for p in env.events.recording()),
                    what="the recording to be stopped for lack of space")  # fmt: skip
        end = env.events.recording()[-1]
        assert end["status"] == "STOPPED" and end["filename"] == rec.filename
        assert "disk space low" in str(end["reason"])
        assert [n.topic for n in env.events.items] == ["recording.start", "recording.stop"]
        assert playable(env.recordings / rec.filename, min_frames=5)  # mp4 finalized
        assert not env.service.health().healthy

        with pytest.raises(DiskFullError):
            await env.service.start_recording(cam, None, None)
        # the service keeps working: a snapshot still fits
        snap = await env.service.take_snapshot(cam, None)
        assert (env.snapshots / snap.filename).exists()
        assert env.service.active_recordings() == []


async def test_retention_never_deletes_the_file_being_recorded(
    media: MediaEnv, rtsp_server_module: RtspTestServer
) -> None:
    rec = await media.service.start_recording(network_camera(rtsp_server_module.url), None, None)
    path = media.recordings / rec.filename
    await until(lambda: path.stat().st_size > 0, what="recording bytes")
    old = media.recordings / "camera0_2020-01-01_00-00-00.mp4"
    old.write_bytes(b"\0" * 1000)
    os.utime(old, (path.stat().st_mtime - OLD,) * 2)
    await media.storage.set_retention_policy(
        RetentionPolicy(enabled=True, policy_type="size", max_size_gb=1e-9)  # a byte or so
    )
    result = await media.storage.cleanup()
    assert result.executed and result.files_deleted == 1 and not old.exists()
    assert path.exists()
    with pytest.raises(InvalidState, match="being written"):
        await media.storage.delete_file("recordings", rec.filename)
    done = await media.service.stop_recording("camera0")
    assert playable(media.recordings / done.filename)


async def test_retention_runs_on_its_schedule(tmp_path: Path) -> None:
    require_ffmpeg()
    retention = RetentionConfig(enabled=True, policy_type="age", max_age_days=1, interval=1.0)
    async with make_env(storage_config(tmp_path, retention=retention)) as env:
        old = env.snapshots / "old.jpg"
        old.write_bytes(b"\xff\xd8\xff")
        os.utime(old, (1.0, 1.0))
        keep = env.snapshots / "new.jpg"
        keep.write_bytes(b"\xff\xd8\xff")
        await until(lambda: not old.exists(), what="the scheduled retention run")
        assert keep.exists()
