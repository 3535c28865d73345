"""The snapshot and recording folders: listing, info, delete, download paths, free space and
retention (``ports.FileStore``).

Every call that touches the disk (scandir, stat, statvfs, unlink, resolving a path) runs in
a worker thread: a large folder or a slow disk never stalls the event loop. Busy checks run
on the loop, where the media service's state lives.

Only plain, visible, regular files directly in a folder are ever listed, resolved or deleted;
hidden files (our temporary ``.name.tmp`` snapshots) are invisible. ``resolve`` refuses any
name that is not plain and any path whose real location is outside its folder (symlinks).
Retention never deletes a busy file: ``is_busy`` checks (the media service registers one that
knows the running recordings) and anything modified in the last ``retention.GRACE`` seconds.

The retention policy in force is kept by a ``retention_store.PolicyStore``: one set with
``set_retention_policy`` is saved in the state folder and overrides the configuration's
``storage.retention`` from the next start on (the module docstring there says why and how).
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ..config.model import StorageConfig
from ..errors import FFmpegError, FileNotFound, InvalidParams, InvalidState, StorageError
from ..lifecycle import Component
from ..models import Clock
from ..models_recordings import CleanupResult, FileEntry, FileInfo, RetentionPolicy, StorageInfo
from ..statefile import make_dirs
from .disk_space import MB
from .ffprobe import ffprobe_format
from .filenames import check_kind, check_plain_name, parse_device, parse_time
from .resume import from_comment
from .retention import StoredFile, select_for_deletion
from .retention_store import FILE_NAME, PolicyStore, config_policy

log = logging.getLogger(__name__)

MAX_LIMIT = 1000
T = TypeVar("T")


class Storage(Component):
    def __init__(
        self,
        config: StorageConfig,
        clock: Clock | None = None,
        is_busy: Callable[[Path], bool] | None = None,
    ) -> None:
        self.config = config
        self._clock = clock or Clock()
        self._busy_checks: list[Callable[[Path], bool]] = [is_busy] if is_busy else []
        self._keep_checks: list[Callable[[Path], bool]] = []
        self.policies = PolicyStore(config.state_dir / FILE_NAME, config_policy(config.retention))

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        for folder in (self.config.snapshots_dir, self.config.recordings_dir):
            try:
                await _in_thread(_mkdir, folder)
            except OSError as e:
                raise StorageError(f"cannot create {folder}: {e.strerror or e}") from e
        await self.policies.load()  # once: the saved policy, else the configuration's

    async def stop(self) -> None:
        return None

    def add_busy_check(self, check: Callable[[Path], bool]) -> None:
        self._busy_checks.append(check)

    def is_busy(self, path: Path) -> bool:
        return any(check(path) for check in self._busy_checks)

    def add_keep_check(self, check: Callable[[Path], bool]) -> None:
        """Retention (this one and the recorder's per-camera one) keeps a file ``check``
        says is needed (a recording that holds a motion event); deleting it by hand works."""
        self._keep_checks.append(check)

    def keeps(self, path: Path) -> bool:
        return any(check(path) for check in self._keep_checks)

    # --- files -------------------------------------------------------------------------

    def folder(self, kind: str) -> Path:
        check_kind(kind)
        return self.config.snapshots_dir if kind == "snapshots" else self.config.recordings_dir

    def _scan(self, kind: str) -> list[StoredFile]:
        out: list[StoredFile] = []
        try:
            with os.scandir(self.folder(kind)) as it:
                for e in it:
                    if e.name.startswith("."):
                        continue
                    try:
                        st = e.stat(follow_symlinks=False)
                    except OSError:
                        continue  # deleted meanwhile
                    if stat.S_ISREG(st.st_mode):
                        out.append(StoredFile(Path(e.path), st.st_size, st.st_mtime))
        except FileNotFoundError:
            return []
        except OSError as e:
            raise StorageError(f"cannot list {kind}: {e.strerror or e}") from e
        return out

    async def list_files(self, kind: str, limit: int, offset: int) -> tuple[list[FileEntry], int]:
        """One page of files, newest first, and the total count."""
        if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise InvalidParams("limit", f"limit must be between 1 and {MAX_LIMIT}")
        if not isinstance(offset, int) or offset < 0:
            raise InvalidParams("offset", "offset must be 0 or more")
        scanned = await _in_thread(self._scan, kind)
        files = sorted(scanned, key=lambda f: (f.mtime, f.path.name), reverse=True)
        page = files[offset : offset + limit]
        return [FileEntry(kind, f.path.name, f.size, f.mtime) for f in page], len(files)

    async def resolve(self, kind: str, filename: str) -> Path:
        """The real path of an existing file inside the folder."""
        return await _in_thread(self._resolve, kind, filename)

    def _resolve(self, kind: str, filename: str) -> Path:
        folder = self.folder(kind)
        check_plain_name(filename)
        path = folder / filename
        try:
            real = path.resolve(strict=True)
            inside = real.parent == folder.resolve(strict=True)
        except (FileNotFoundError, NotADirectoryError):
            raise FileNotFound(kind.removesuffix("s"), filename) from None
        except (OSError, RuntimeError) as e:  # loops, permissions
            raise StorageError(f"cannot open {filename}: {e}") from e
        if not inside or path.is_symlink():
            raise InvalidParams("filename", "file is outside the storage folder")
        if not real.is_file():
            raise FileNotFound(kind.removesuffix("s"), filename)
        return real

    async def file_info(self, kind: str, filename: str) -> FileInfo:
        path = await self.resolve(kind, filename)
        try:
            st = await _in_thread(path.stat)
        except OSError:
            raise FileNotFound(kind.removesuffix("s"), filename) from None
        duration, comment = None, ""
        if kind == "recordings":
            try:
                duration, comment = await ffprobe_format(path)
            except FFmpegError as e:
                log.warning("cannot read the duration of %s: %s", filename, e)
        wall, gaps = from_comment(comment)  # a recording joined after pauses keeps its gaps
        return FileInfo(
            entry=FileEntry(kind, filename, st.st_size, st.st_mtime),
            created_time=parse_time(filename) or st.st_mtime,
            device=parse_device(filename),
            duration=duration,
            wall_duration=wall,
            gaps=gaps,
        )

    async def delete_file(self, kind: str, filename: str) -> None:
        path = await self.resolve(kind, filename)
        if self.is_busy(self.folder(kind) / filename):
            raise InvalidState("busy", f"{filename} is being written")
        try:
            await _in_thread(path.unlink)
        except FileNotFoundError:
            raise FileNotFound(kind.removesuffix("s"), filename) from None
        except OSError as e:
            raise StorageError(f"cannot delete {filename}: {e.strerror or e}") from e
        log.info("deleted %s/%s", kind, filename, extra={"COMPONENT": "storage"})

    # --- space -------------------------------------------------------------------------

    def free_bytes(self) -> int:
        """Space available to us where recordings are written."""
        try:
            st = os.statvfs(self.config.recordings_dir)
        except OSError as e:
            raise StorageError(f"cannot read free space: {e.strerror or e}") from e
        return st.f_bavail * st.f_frsize

    async def free_bytes_async(self) -> int:
        return await _in_thread(self.free_bytes)

    def below_min_free(self, free: int) -> bool:
        return free < self.config.min_free_mb * MB

    async def storage_info(self) -> StorageInfo:
        return await _in_thread(self._storage_info)

    def _storage_info(self) -> StorageInfo:
        try:
            st = os.statvfs(self.config.recordings_dir)
        except OSError as e:
            raise StorageError(f"cannot read free space: {e.strerror or e}") from e
        total = st.f_blocks * st.f_frsize
        available = st.f_bavail * st.f_frsize
        used = total - st.f_bfree * st.f_frsize
        usage = 100.0 * used / (used + available) if used + available else 0.0
        return StorageInfo(
            total_space=total,
            used_space=used,
            available_space=available,
            usage_percentage=round(usage, 2),
            recordings_size=sum(f.size for f in self._scan("recordings")),
            snapshots_size=sum(f.size for f in self._scan("snapshots")),
            low_space_warning=usage >= self.config.low_space_percent
            or self.below_min_free(available),
        )

    # --- retention ---------------------------------------------------------------------

    def retention_policy(self) -> RetentionPolicy:
        return self.policies.policy

    async def set_retention_policy(self, policy: RetentionPolicy) -> RetentionPolicy:
        """Validate, save (off the loop), then put in force; see ``PolicyStore.set``."""
        return await self.policies.set(policy)

    async def cleanup(self) -> CleanupResult:
        """Apply the retention policy once. A disabled policy applies nothing: the result
        says so (``executed`` false, with the reason) instead of reporting a pass."""
        policy = self.policies.policy
        if not policy.enabled:
            return CleanupResult(0, 0, executed=False, reason="retention policy disabled")
        files = await _in_thread(lambda: self._scan("recordings") + self._scan("snapshots"))
        # busy checks run here, on the loop, where the media service's state lives
        marked = [StoredFile(f.path, f.size, f.mtime, self.is_busy(f.path) or self.keeps(f.path))
                  for f in files]  # fmt: skip
        victims = select_for_deletion(marked, policy, self._clock.time())
        deleted, freed = await _in_thread(_delete, victims)
        if deleted:
            log.info(
                "retention (%s) deleted %d files, %d bytes",
                policy.policy_type,
                deleted,
                freed,
                extra={"COMPONENT": "storage"},
            )
        return CleanupResult(deleted, freed)


async def _in_thread(func: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(None, func, *args)


def _mkdir(folder: Path) -> None:
    make_dirs(folder)  # 0750 as the package makes them, the missing parents too


def _delete(victims: list[StoredFile]) -> tuple[int, int]:
    deleted = freed = 0
    for f in victims:
        try:
            f.path.unlink()
        except FileNotFoundError:
            continue
        except OSError as e:
            log.warning("retention cannot delete %s: %s", f.path.name, e.strerror or e)
            continue
        deleted += 1
        freed += f.size
    return deleted, freed
