"""Motion events and retention: a recording that holds an event younger than
``cameras.motion.retain_days`` is kept by the storage retention (a real ``Storage`` with an
age policy), other recordings go; events older than ``retain_days`` are deleted with their
pictures."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from camera_service.cameras.registry import CameraRegistry
from camera_service.config.model import MotionConfig, RetentionConfig, StorageConfig
from camera_service.events import EventBus
from camera_service.media.event_store import StoredEvent
from camera_service.media.storage import Storage
from camera_service.models import Notification
from camera_service.models_recordings import RetentionPolicy
from camera_service.motion.service import MotionService

pytestmark = pytest.mark.integration

DAY = 86400.0


def segment(folder: Path, start: float, seconds: float) -> Path:
    stamp = time.strftime("%Y-%m-%d_%H-%M-%S", time.gmtime(start))
    path = folder / f"camera0_{stamp}.mp4"
    path.write_bytes(b"\0" * 1000)
    os.utime(path, (start + seconds, start + seconds))
    return path


async def test_recordings_holding_events_outlive_the_age_policy(tmp_path: Path) -> None:
    config = StorageConfig(state_dir=tmp_path, snapshots_dir=tmp_path / "snapshots",
                           recordings_dir=tmp_path / "recordings", min_free_mb=0,
                           retention=RetentionConfig(enabled=True, max_age_days=1))  # fmt: skip
    now = time.time()
    registry, bus = CameraRegistry(), EventBus[Notification]()
    async with Storage(config) as storage, MotionService(
        MotionConfig(retain_days=10), tmp_path, registry, bus, lambda c: ""
    ) as motion:
        storage.add_keep_check(motion.keeps)
        await storage.set_retention_policy(RetentionPolicy(True, "age", 1.0))
        rec = config.recordings_dir
        old_start = now - 3 * DAY
        holding = segment(rec, old_start, 300)  # 3 days old, holds the event below
        before = segment(rec, old_start - 600, 300)  # the segment before it: no event
        await motion.save(StoredEvent("e1", "camera0", old_start + 290, old_start + 320,
                                      old_start + 320, 3.0, old_start + 300, pre_capture=5,
                                      post_capture=5))  # fmt: skip
        result = await storage.cleanup()
        assert holding.exists() and not before.exists(), result
        assert motion.keeps(holding) and not motion.keeps(tmp_path / "notes.txt")


async def test_events_older_than_retain_days_go_with_their_pictures(tmp_path: Path) -> None:
    registry, bus = CameraRegistry(), EventBus[Notification]()
    now = time.time()
    async with MotionService(MotionConfig(retain_days=2), tmp_path, registry, bus, lambda c: "") as motion:
        for n, age in enumerate((5 * DAY, 1 * DAY)):
            snap = tmp_path / "events" / f"e{n}.jpg"
            snap.write_bytes(b"\xff\xd8")
            await motion.save(StoredEvent(f"e{n}", "camera0", now - age, now - age + 10,
                                          now - age + 10, 1.0, now - age, snapshot=snap.name))  # fmt: skip
        await motion.prune()  # (the hourly pass, which also runs at start, may have done it)
        assert not (tmp_path / "events" / "e0.jpg").exists()
        assert (tmp_path / "events" / "e1.jpg").exists()
        assert [e.id for e in (await motion.list_events(None, None, None, 10, 0))[0]] == ["e1"]
