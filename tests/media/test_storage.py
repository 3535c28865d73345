"""The storage folders on a real file system: listing, info, delete, resolve without escapes,
free space, and retention that never touches a busy file."""

from __future__ import annotations

import calendar
import os
from pathlib import Path

import pytest

from camera_service.config.model import RetentionConfig
from camera_service.errors import FileNotFound, InvalidParams, InvalidState
from camera_service.media import Storage
from camera_service.models import Clock
from camera_service.models_recordings import CleanupResult, RetentionPolicy

from .helpers import make_clip, require_ffmpeg, storage_config

pytestmark = pytest.mark.integration

NOW = 1_800_000_000.0


class FixedClock(Clock):
    """A real Clock subclass pinned at one instant, so ages are exact."""

    def time(self) -> float:
        return NOW


def put(folder: Path, name: str, size: int, age: float) -> Path:
    path = folder / name
    path.write_bytes(b"\0" * size)
    os.utime(path, (NOW - age, NOW - age))
    return path


@pytest.fixture
async def storage(tmp_path: Path) -> Storage:
    s = Storage(storage_config(tmp_path / "state"), clock=FixedClock())
    await s.start()
    return s


async def test_start_creates_both_folders(tmp_path: Path) -> None:
    config = storage_config(tmp_path / "deep" / "state")
    async with Storage(config):
        assert config.snapshots_dir.is_dir() and config.recordings_dir.is_dir()


async def test_listing_is_newest_first_with_pagination(storage: Storage) -> None:
    folder = storage.folder("snapshots")
    for i in range(5):
        put(folder, f"s{i}.jpg", 10 + i, age=100 - i)  # s4 is the newest
    put(folder, ".s9.jpg.abcd.tmp", 5, age=0)  # a snapshot being written: invisible
    os.mkdir(folder / "subdir")
    page, total = await storage.list_files("snapshots", limit=2, offset=0)
    assert total == 5
    assert [e.filename for e in page] == ["s4.jpg", "s3.jpg"]
    assert page[0].file_size == 14 and page[0].modified_time == NOW - 96
    page, _ = await storage.list_files("snapshots", limit=2, offset=4)
    assert [e.filename for e in page] == ["s0.jpg"]
    assert await storage.list_files("recordings", 50, 0) == ([], 0)
    assert await storage.list_files("snapshots", 10, 99) == ([], 5)


@pytest.mark.parametrize(("limit", "offset", "param"), [(0, 0, "limit"), (1001, 0, "limit"),
                                                        (10, -1, "offset")])  # fmt: skip
async def test_listing_rejects_bad_paging(storage: Storage, limit: int, offset: int, param: str) -> None:
    with pytest.raises(InvalidParams) as e:
        await storage.list_files("snapshots", limit, offset)
    assert e.value.param == param


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a/b", "", "..", "a\x00b", ".hidden"],
                         ids=repr)  # fmt: skip
async def test_resolve_refuses_names_that_are_not_plain(storage: Storage, name: str) -> None:
    with pytest.raises(InvalidParams):
        await storage.resolve("recordings", name)


async def test_resolve_never_follows_a_link_out_of_the_folder(storage: Storage, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("no")
    (storage.folder("snapshots") / "link.jpg").symlink_to(secret)
    with pytest.raises(InvalidParams):
        await storage.resolve("snapshots", "link.jpg")
    with pytest.raises(InvalidParams):
        await storage.delete_file("snapshots", "link.jpg")
    assert secret.exists()


async def test_resolve_and_delete(storage: Storage) -> None:
    path = put(storage.folder("snapshots"), "a.jpg", 3, age=50)
    assert await storage.resolve("snapshots", "a.jpg") == path.resolve()
    with pytest.raises(InvalidParams) as e:
        await storage.resolve("videos", "a.jpg")
    assert e.value.param == "kind"
    await storage.delete_file("snapshots", "a.jpg")
    assert not path.exists()
    with pytest.raises(FileNotFound) as nf:
        await storage.delete_file("snapshots", "a.jpg")
    assert (nf.value.kind, nf.value.filename) == ("snapshot", "a.jpg")
    with pytest.raises(FileNotFound):
        await storage.resolve("recordings", "nothing.mp4")


async def test_a_busy_file_cannot_be_deleted(storage: Storage) -> None:
    path = put(storage.folder("recordings"), "camera0_x.mp4", 3, age=50)
    storage.add_busy_check(lambda p: p == path)
    with pytest.raises(InvalidState) as e:
        await storage.delete_file("recordings", "camera0_x.mp4")
    assert e.value.state == "busy"
    assert path.exists()


async def test_recording_info_has_duration_device_and_start_time(storage: Storage) -> None:
    require_ffmpeg()
    name = "camera2_2027-01-15_08-00-00.mp4"
    make_clip(storage.folder("recordings") / name, 2)
    info = await storage.file_info("recordings", name)
    assert info.device == "camera2"
    assert info.duration == pytest.approx(2.0, abs=0.2)
    assert info.created_time == calendar.timegm((2027, 1, 15, 8, 0, 0, 0, 0, 0))
    assert info.entry.filename == name and info.entry.file_size > 0
    snap = put(storage.folder("snapshots"), "door.jpg", 7, age=10)
    sinfo = await storage.file_info("snapshots", snap.name)
    assert (sinfo.device, sinfo.duration, sinfo.created_time) == (None, None, NOW - 10)


async def test_storage_info_reports_the_file_system_and_folder_sizes(storage: Storage) -> None:
    put(storage.folder("recordings"), "r.mp4", 3000, age=5)
    put(storage.folder("snapshots"), "s.jpg", 200, age=5)
    info = await storage.storage_info()
    st = os.statvfs(storage.folder("recordings"))
    assert info.total_space == st.f_blocks * st.f_frsize
    assert 0 < info.available_space <= info.total_space
    assert 0 <= info.used_space <= info.total_space
    assert 0.0 <= info.usage_percentage <= 100.0
    assert (info.recordings_size, info.snapshots_size) == (3000, 200)


async def test_retention_policy_is_validated(storage: Storage) -> None:
    assert storage.retention_policy() == RetentionPolicy()
    new = RetentionPolicy(enabled=True, policy_type="size", max_size_gb=2.5)
    assert await storage.set_retention_policy(new) == new == storage.retention_policy()
    with pytest.raises(InvalidParams):
        await storage.set_retention_policy(RetentionPolicy(policy_type="forever"))
    assert storage.retention_policy() == new


async def test_disabled_retention_deletes_nothing_and_says_it_did_not_run(storage: Storage) -> None:
    old = put(storage.folder("recordings"), "old.mp4", 10, age=1e9)
    result = await storage.cleanup()
    assert result == CleanupResult(0, 0, executed=False, reason="retention policy disabled")
    assert old.exists()


async def test_size_retention_deletes_oldest_first_and_never_a_busy_file(tmp_path: Path) -> None:
    mib = 1024 * 1024
    config = storage_config(
        tmp_path, retention=RetentionConfig(enabled=True, policy_type="size", max_size_gb=3 / 1024)
    )
    rec, snap = config.recordings_dir, config.snapshots_dir
    busy: set[Path] = set()
    async with Storage(config, clock=FixedClock(), is_busy=lambda p: p in busy) as storage:
        oldest = put(rec, "a.mp4", mib, age=5000)  # busy: an open recording
        busy.add(oldest)
        put(snap, "b.jpg", mib, age=4000)
        put(rec, "c.mp4", mib, age=3000)
        put(rec, "d.mp4", mib, age=2000)
        put(snap, "e.jpg", mib, age=1000)
        put(rec, "fresh.mp4", mib, age=1)  # being written by someone: too fresh to touch
        result = await storage.cleanup()
        # 6 MiB down to 3 MiB: b, c and d go (oldest first), a is busy, e and fresh remain
        assert result == CleanupResult(3, 3 * mib, executed=True, reason=None)
        left = sorted(os.listdir(rec) + os.listdir(snap))
        assert left == ["a.mp4", "e.jpg", "fresh.mp4"]


async def test_age_retention_deletes_files_older_than_the_limit(tmp_path: Path) -> None:
    config = storage_config(tmp_path, retention=RetentionConfig(enabled=True, max_age_days=1))
    async with Storage(config, clock=FixedClock()) as storage:
        put(config.recordings_dir, "old.mp4", 10, age=2 * 86400)
        put(config.snapshots_dir, "old.jpg", 10, age=1.5 * 86400)
        put(config.snapshots_dir, "new.jpg", 10, age=3600)
        result = await storage.cleanup()
        assert result == CleanupResult(2, 20, executed=True)
        assert os.listdir(config.snapshots_dir) == ["new.jpg"]
        # a pass that finds nothing due still ran
        assert await storage.cleanup() == CleanupResult(0, 0, executed=True)
