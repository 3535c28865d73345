"""Shared bits for the media tests: one timeout unit, bounded polling, real cameras."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from camera_service.config.model import RetentionConfig, StorageConfig
from camera_service.events import EventBus
from camera_service.models import Camera, CameraKind, CameraStatus, Notification

TIMEOUT = 20.0  # the one timeout unit of these tests: generous, never a speed assertion


def require_ffmpeg() -> None:
    if not (shutil.which("ffmpeg") and shutil.which("ffprobe")):
        pytest.skip("no ffmpeg/ffprobe: apt-get install ffmpeg")


def network_camera(
    url: str,
    camera_id: str = "camera0",
    status: CameraStatus = CameraStatus.CONNECTED,
    reason: str = "",
) -> Camera:
    """A real registry ``Camera`` of kind NETWORK whose source is the RTSP server."""
    return Camera(
        id=camera_id,
        kind=CameraKind.NETWORK,
        name=f"test {camera_id}",
        status=status,
        reason=reason,
        source_url=url,
    )


def storage_config(root: Path, **kw: object) -> StorageConfig:
    values: dict[str, object] = {
        "state_dir": root,
        "snapshots_dir": root / "snapshots",
        "recordings_dir": root / "recordings",
        "min_free_mb": 1,
        "snapshot_timeout": 10.0,
        "stop_timeout": 10.0,
        "retention": RetentionConfig(),
    }
    values.update(kw)
    return StorageConfig(**values)  # type: ignore[arg-type]


class Collector:
    """Subscribes to a bus and keeps what was published."""

    def __init__(self, bus: EventBus[Notification]) -> None:
        self.items: list[Notification] = []
        self.unsubscribe = bus.subscribe(self.items.append)

    def recording(self, status: str | None = None) -> list[dict[str, object]]:
        return [
            n.params
            for n in self.items
            if n.method == "recording_status_update"
            and (status is None or n.params["status"] == status)
        ]


async def until(predicate: Callable[[], bool], within: float = TIMEOUT, what: str = "") -> None:
    """Poll ``predicate`` until true; fail after ``within`` seconds (bounded, no bare sleep)."""
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what or predicate}")
        await asyncio.sleep(0.05)


def probe(path: Path) -> dict[str, str]:
    """ffprobe's view of a file: codec, width, height, duration (empty when unreadable)."""
    r = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0",
         "-show_entries", "stream=codec_name,width,height:format=duration",
         "-of", "default=nw=1", str(path)],
        capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )  # fmt: skip
    out: dict[str, str] = {}
    for line in r.stdout.splitlines():
        k, _, v = line.partition("=")
        out.setdefault(k, v)
    return out if r.returncode == 0 else {}


def make_clip(path: Path, seconds: float) -> Path:
    """A real little video file (ffmpeg's test source, MPEG-4 part 2)."""
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
         f"testsrc=size=160x120:rate=10:duration={seconds:g}", "-c:v", "mpeg4", str(path)],
        check=True, timeout=TIMEOUT,
    )  # fmt: skip
    return path


def decoded_frames(path: Path) -> int:
    """How many video frames ffprobe decodes from the file (0 when it cannot)."""
    r = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
         "-show_entries", "stream=nb_read_frames", "-of", "default=nw=1:nk=1", str(path)],
        capture_output=True, text=True, timeout=TIMEOUT * 3, check=False,
    )  # fmt: skip
    try:
        return int(r.stdout.strip().splitlines()[0]) if r.returncode == 0 else 0
    except (ValueError, IndexError):
        return 0


def playable(path: Path, min_frames: int = 1) -> bool:
    """An H.264 file that really plays: ffprobe decodes at least ``min_frames`` frames.

    After a SIGKILL the fragment being written (up to one GOP, 1 s at the test camera's 15
    fps) is lost, so callers wait for enough bytes before killing and ask for 15 frames."""
    return probe(path).get("codec_name") == "h264" and decoded_frames(path) >= min_frames
