"""``set_retention_policy`` and ``cleanup_old_files`` as a client sees them (JSON in, JSON
out through the real protocol and dispatcher) over real storage folders: the policy set is
kept across a restart, a policy that cannot be saved is a disk error that changes nothing,
and a cleanup says whether it ran."""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from camera_service.cameras.registry import CameraRegistry
from camera_service.config.model import AuthConfig, Config, RetentionConfig, StorageConfig
from camera_service.media import Storage
from camera_service.media.retention_store import FILE_NAME
from camera_service.rpc import Dispatcher, Role, RpcContext, Session, protocol

pytestmark = pytest.mark.integration

DAY = 86400.0


@contextlib.asynccontextmanager
async def service(state: Path) -> AsyncIterator[tuple[Dispatcher, Session]]:
    """The RPC core over a real ``Storage`` on ``state``; one run of the service."""
    storage_config = StorageConfig(
        state_dir=state,
        snapshots_dir=state / "snapshots",
        recordings_dir=state / "recordings",
        retention=RetentionConfig(enabled=False, policy_type="age", max_age_days=30, max_size_gb=10),
    )
    config = Config(auth=AuthConfig(jwt_secret="s" * 32), storage=storage_config)
    async with Storage(storage_config) as storage:
        d = Dispatcher(RpcContext(cameras=CameraRegistry(), config=config, files=storage))
        admin = Session()
        admin.principal = d.ctx.authenticator.authenticate(d.ctx.authenticator.mint("u", Role.ADMIN, 60))
        yield d, admin


async def call(env: tuple[Dispatcher, Session], method: str, params: Any = None) -> Any:
    d, session = env
    request = {"jsonrpc": "2.0", "method": method, "id": 1, **({"params": params} if params else {})}
    reply = await protocol.handle(json.dumps(request), lambda m, p: d.call(session, m, p))
    assert reply is not None
    return json.loads(reply)


def put(folder: Path, name: str, size: int, age: float) -> Path:
    path = folder / name
    path.write_bytes(b"\0" * size)
    then = time.time() - age
    os.utime(path, (then, then))
    return path


async def test_the_policy_set_is_in_force_after_a_restart(tmp_path: Path) -> None:
    async with service(tmp_path) as first:
        reply = await call(first, "set_retention_policy",
                           {"policy_type": "size", "max_size_gb": 2.5, "enabled": True})
    assert reply["result"] == {"policy_type": "size", "max_age_days": 30.0, "max_size_gb": 2.5,
                               "enabled": True, "success": True}  # fmt: skip
    async with service(tmp_path) as second:  # the configuration still says "disabled, age"
        # omitted limits are those in force: the saved ones, not the configuration's
        reply = await call(second, "set_retention_policy", {"policy_type": "age", "enabled": True})
        assert reply["result"] == {"policy_type": "age", "max_age_days": 30.0, "max_size_gb": 2.5,
                                   "enabled": True, "success": True}  # fmt: skip


async def test_a_policy_that_cannot_be_saved_is_a_disk_error_and_changes_nothing(
    tmp_path: Path,
) -> None:
    (tmp_path / FILE_NAME / "in-the-way").mkdir(parents=True)  # a folder where the file goes
    async with service(tmp_path) as env:
        reply = await call(env, "set_retention_policy", {"policy_type": "age", "enabled": True})
        assert reply["error"] == {
            "code": -32050,
            "message": "Dependency failed: disk: cannot save the retention policy: Is a directory",
            "data": {"dependency": "disk", "detail": "cannot save the retention policy: Is a directory"},
        }
        old = put(tmp_path / "recordings", "old.mp4", 10, age=400 * DAY)
        reply = await call(env, "cleanup_old_files")
        assert reply["result"]["cleanup_executed"] is False  # still the configuration's: disabled
        assert old.exists()


async def test_cleanup_with_the_policy_disabled_says_nothing_ran(tmp_path: Path) -> None:
    async with service(tmp_path) as env:
        old = put(tmp_path / "recordings", "old.mp4", 10, age=400 * DAY)
        reply = await call(env, "cleanup_old_files")
        assert reply["result"] == {
            "cleanup_executed": False,
            "files_deleted": 0,
            "space_freed": 0,
            "reason": "retention policy disabled",
            "success": True,
        }
        assert old.exists()


async def test_cleanup_with_the_policy_enabled_reports_what_it_deleted(tmp_path: Path) -> None:
    async with service(tmp_path) as env:
        put(tmp_path / "recordings", "old.mp4", 100, age=3 * DAY)
        put(tmp_path / "snapshots", "old.jpg", 50, age=2 * DAY)
        new = put(tmp_path / "snapshots", "new.jpg", 7, age=3600)
        set_reply = await call(env, "set_retention_policy",
                               {"policy_type": "age", "max_age_days": 1, "enabled": True})
        assert "result" in set_reply
        reply = await call(env, "cleanup_old_files")
        assert reply["result"] == {"cleanup_executed": True, "files_deleted": 2, "space_freed": 150,
                                   "success": True}
        assert new.exists()
        reply = await call(env, "cleanup_old_files")  # a pass with nothing due still ran
        assert reply["result"] == {"cleanup_executed": True, "files_deleted": 0, "space_freed": 0,
                                   "success": True}


async def test_storage_info_reports_the_retention_policy_in_force(tmp_path: Path) -> None:
    async with service(tmp_path) as env:
        info = (await call(env, "get_storage_info"))["result"]
        assert info["retention_policy"] == {"policy_type": "age", "max_age_days": 30,
                                            "max_size_gb": 10, "enabled": False}  # the configured
        assert {"total_space", "available_space", "low_space_warning"} <= set(info)
        await call(env, "set_retention_policy", {"policy_type": "size", "max_size_gb": 2.5, "enabled": True})
        info = (await call(env, "get_storage_info"))["result"]
        assert info["retention_policy"] == {"policy_type": "size", "max_age_days": 30,
                                            "max_size_gb": 2.5, "enabled": True}
    async with service(tmp_path) as env:  # the saved policy, after a restart
        info = (await call(env, "get_storage_info"))["result"]
        assert info["retention_policy"]["policy_type"] == "size"
