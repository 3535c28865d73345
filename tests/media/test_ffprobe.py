"""ffprobe against real files: a clip's duration and validity, junk and a missing file."""

from __future__ import annotations

from pathlib import Path

import pytest

from camera_service.media import ffprobe

from .helpers import make_clip, require_ffmpeg

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _ffmpeg() -> None:
    require_ffmpeg()


async def test_ffprobe_reads_duration_and_validity(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "clip.mp4", 2)
    duration = await ffprobe.ffprobe_duration(clip)
    assert duration is not None and abs(duration - 2.0) < 0.2
    assert await ffprobe.ffprobe_valid(clip)

    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video" * 100)
    assert await ffprobe.ffprobe_duration(junk) is None
    assert not await ffprobe.ffprobe_valid(junk)
    assert not await ffprobe.ffprobe_valid(tmp_path / "missing.mp4")
