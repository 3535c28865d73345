"""The retention policy across restarts, on a real file system: a policy set once is in force
after a restart (two ``Storage`` instances on one state folder) over the configuration's;
a file that cannot be read means the configuration's policy and a warning, never a failed
start; a file that cannot be written means an error and the old policy still in force; and
the write, however slow, never holds up the event loop."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from camera_service.config.model import RetentionConfig, StorageConfig
from camera_service.errors import InvalidParams, StorageError
from camera_service.media import Storage
from camera_service.media.retention import encode_policy
from camera_service.media.retention_store import FILE_NAME
from camera_service.models_recordings import RetentionPolicy

from .helpers import TIMEOUT, storage_config

pytestmark = pytest.mark.integration

CONFIGURED = RetentionConfig(enabled=False, policy_type="age", max_age_days=30, max_size_gb=10)
FROM_CONFIG = RetentionPolicy(False, "age", 30, 10)
SET = RetentionPolicy(enabled=True, policy_type="size", max_age_days=30, max_size_gb=2.5)
STORE_LOG = "camera_service.media.retention_store"


def config(state: Path) -> StorageConfig:
    return storage_config(state, retention=CONFIGURED)


async def started(state: Path) -> Storage:
    storage = Storage(config(state))
    await storage.start()
    return storage


def records(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == STORE_LOG and r.levelno == level]


async def test_a_policy_set_once_survives_a_restart(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, STORE_LOG)
    first = await started(tmp_path)
    assert first.retention_policy() == FROM_CONFIG
    assert await first.set_retention_policy(SET) == SET == first.retention_policy()
    saved = tmp_path / FILE_NAME
    assert json.loads(saved.read_text())["policy"]["max_size_gb"] == 2.5
    assert sorted(os.listdir(tmp_path)) == ["recordings", FILE_NAME, "snapshots"]  # no temporary
    await first.stop()

    caplog.clear()
    second = await started(tmp_path)  # the same configuration, which says "disabled, 30 days"
    assert second.retention_policy() == SET
    await second.start()  # as MediaService does again: read and said once
    [said] = records(caplog, logging.INFO)
    assert "oldest files beyond 2.5 GiB" in said and str(saved) in said
    assert "overrides storage.retention" in said
    assert records(caplog, logging.WARNING) == []


async def test_without_a_saved_policy_the_configuration_is_in_force(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, STORE_LOG)
    storage = await started(tmp_path)
    assert storage.retention_policy() == FROM_CONFIG
    [said] = records(caplog, logging.INFO)
    assert said.startswith("retention policy: disabled") and "configuration" in said
    assert not (tmp_path / FILE_NAME).exists()  # nothing written until a policy is set


def corrupt_half_written(path: Path) -> None:
    path.write_text(encode_policy(SET)[:25])


def corrupt_invalid_value(path: Path) -> None:
    path.write_text(encode_policy(SET).replace('"size"', '"count"'))


def corrupt_not_utf8(path: Path) -> None:
    path.write_bytes(b"\xff\xfe{")


def corrupt_a_directory(path: Path) -> None:
    path.mkdir()
    (path / "x").write_text("")


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (corrupt_half_written, "Unterminated string"),
        (corrupt_invalid_value, "policy_type"),
        (corrupt_not_utf8, "utf-8"),
        (corrupt_a_directory, "Is a directory"),
    ],
)
async def test_an_unusable_saved_policy_means_the_configuration_and_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, spoil: Callable[[Path], None], reason: str
) -> None:
    caplog.set_level(logging.INFO, STORE_LOG)
    saved = tmp_path / FILE_NAME
    spoil(saved)
    storage = await started(tmp_path)  # starts all the same
    assert storage.retention_policy() == FROM_CONFIG
    [warning] = records(caplog, logging.WARNING)
    assert str(saved) in warning and reason in warning and "storage.retention" in warning
    [said] = records(caplog, logging.INFO)
    assert "configuration" in said
    assert saved.exists()  # left for the operator to look at


async def test_a_corrupt_saved_policy_is_replaced_by_the_next_one_set(tmp_path: Path) -> None:
    corrupt_half_written(tmp_path / FILE_NAME)
    await (await started(tmp_path)).set_retention_policy(SET)
    assert (await started(tmp_path)).retention_policy() == SET


async def test_a_policy_that_cannot_be_saved_is_not_put_in_force(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    storage = Storage(
        storage_config(tmp_path / "media", state_dir=blocker / "state", retention=CONFIGURED)
    )
    await storage.start()
    with pytest.raises(StorageError) as e:
        await storage.set_retention_policy(SET)
    assert str(e.value) == "cannot save the retention policy: Not a directory"  # no path
    assert storage.retention_policy() == FROM_CONFIG
    [warning] = records(caplog, logging.WARNING)
    assert str(blocker / "state" / FILE_NAME) in warning


async def test_an_invalid_policy_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    storage = await started(tmp_path)
    with pytest.raises(InvalidParams) as e:
        await storage.set_retention_policy(RetentionPolicy(enabled=True, max_age_days=0))
    assert e.value.param == "max_age_days"
    assert storage.retention_policy() == FROM_CONFIG
    assert not (tmp_path / FILE_NAME).exists()


async def test_policies_set_at_once_leave_the_last_in_force_and_on_disk(tmp_path: Path) -> None:
    storage = await started(tmp_path)
    policies = [RetentionPolicy(True, "age", days, 1) for days in range(1, 9)]
    await asyncio.gather(*(storage.set_retention_policy(p) for p in policies))
    assert storage.retention_policy() == policies[-1]
    assert (await started(tmp_path)).retention_policy() == policies[-1]
    assert sorted(os.listdir(tmp_path)) == ["recordings", FILE_NAME, "snapshots"]


async def test_a_stuck_write_does_not_hold_up_the_event_loop(tmp_path: Path) -> None:
    """The loop's executor gets one thread, held by a job that waits: a write done in the
    executor waits behind it while the loop runs on; one done on the loop would finish at
    once. (The temporary file's name is random now, so a FIFO planted at it, the old way to
    stall the write, is no longer possible: that was the symlink hole of issue 24.)"""
    storage = await started(tmp_path)
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=1))
    release = threading.Event()
    holder = asyncio.get_running_loop().run_in_executor(None, release.wait, TIMEOUT)
    try:
        task = asyncio.create_task(storage.set_retention_policy(SET))
        await asyncio.sleep(0.1)
        assert not task.done()  # the loop runs on while the write waits for its thread
        assert storage.retention_policy() == FROM_CONFIG
    finally:
        release.set()
        await asyncio.wait_for(holder, TIMEOUT)
    assert await asyncio.wait_for(task, TIMEOUT) == SET
    assert storage.retention_policy() == SET
    assert sorted(os.listdir(tmp_path)) == ["recordings", FILE_NAME, "snapshots"]
