"""Per-camera retention on a real continuous recording: the oldest segments go first, the
one being written never does, and the journal forgets what was deleted."""

from __future__ import annotations

from pathlib import Path

import pytest

from camera_service.recording_modes import CameraRetention, ModeSpec
from support.rtsp_server import RtspTestServer

from .helpers import require_ffmpeg, storage_config, until
from .recorder_env import recorder_env

pytestmark = pytest.mark.integration

GIB = 1024**3


async def test_size_retention_deletes_the_oldest_segments_and_never_the_open_one(
    rtsp_server_module: RtspTestServer, tmp_path: Path
) -> None:
    require_ffmpeg()
    spec = ModeSpec("continuous", segment_seconds=2, retention=CameraRetention(max_size_gb=1.0))
    async with recorder_env(storage_config(tmp_path), rtsp_server_module.url, spec) as env:
        journal = env.recorder.store.camera("camera0")
        await until(lambda: len(journal.segments) >= 3, what="three closed segments")
        run = env.recorder.workers["camera0"].run
        assert run is not None and run.open_name is not None
        before = sorted(p.name for p in env.recordings.iterdir() if not p.name.startswith("."))
        assert await env.recorder.apply_retention() == 0  # 1 GiB: nothing to do
        # now a limit smaller than any segment: every closed one goes, oldest first
        await env.recorder.set_mode("camera0", {"retention": {"max_size_gb": 1 / GIB}})
        open_name = run.open_name
        deleted = await env.recorder.apply_retention()
        left = sorted(p.name for p in env.recordings.iterdir() if not p.name.startswith("."))
        gone = set(before) - set(left)
        assert deleted >= len(gone) >= len(before) - 1, (before, left)
        assert open_name in left  # being written: never deleted
        assert max(gone) < min(left)  # the oldest first
        assert not gone & {s.name for s in journal.segments}
