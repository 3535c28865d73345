"""The continuous recorder's housekeeping: per-camera retention, and recovery after a crash.

Retention: for each camera with its own ``retention``, the oldest of *its segments* (those
in the journal; a manual recording of the same camera is not a segment) go first, by age
and then by total size, and the one being written never does. Deleted segments leave the
journal.

Recovery: a daemon killed mid-run leaves ffmpeg's segment list (``.cameraN_<run>.segments
.csv``; the lifeline let ffmpeg finish the open segment and list it). Its segments enter
the journal, placed on the wall clock by the run's anchor saved at its start, and a camera
whose last phase was "recording" gets a "service not running" change at its last segment's
end, the cause of the gap before the next run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path

from ..models import Clock
from ..models_recordings import RetentionPolicy
from ..recording_modes import ModeSpec
from . import timeline as tl
from .disk_space import MB
from .recorder_policy import Phase
from .recording_store import RecordingStore
from .retention import StoredFile, select_for_deletion
from .segment_list import parse_list

log = logging.getLogger(__name__)

RUN_LIST = re.compile(r"^\.(camera\d+)_\d+\.\d+\.segments\.csv$")


async def apply_retention(
    directory: Path,
    specs: dict[str, ModeSpec],
    store: RecordingStore,
    is_busy: Callable[[Path], bool],
    clock: Clock,
) -> int:
    deleted = 0
    loop = asyncio.get_running_loop()
    for camera_id, spec in specs.items():
        ret = spec.retention
        if ret is None:
            continue
        journal = store.camera(camera_id)
        names = {s.name for s in journal.segments}
        files = await loop.run_in_executor(None, _stat_all, directory, names)
        marked = [StoredFile(f.path, f.size, f.mtime, is_busy(f.path)) for f in files]
        victims: list[StoredFile] = []
        now = clock.time()
        if ret.max_age_days is not None:
            by_age = RetentionPolicy(True, "age", ret.max_age_days)
            victims += select_for_deletion(marked, by_age, now, grace=0)
        if ret.max_size_gb is not None:
            by_size = RetentionPolicy(True, "size", max_size_gb=ret.max_size_gb)
            victims += select_for_deletion([f for f in marked if f not in victims], by_size, now, grace=0)
        n = await loop.run_in_executor(None, unlink_all, [v.path for v in victims])
        if n:
            gone = {v.path.name for v in victims}
            journal.segments = [s for s in journal.segments if s.name not in gone]
            log.info("%s: retention deleted %d segment(s), %d MB", camera_id, n,
                     sum(v.size for v in victims) // MB,
                     extra={"CAMERA_ID": camera_id, "COMPONENT": "media"})  # fmt: skip
            deleted += n
    if deleted:
        await store.save_journal()
    return deleted


async def recover(directory: Path, store: RecordingStore, clock: Clock) -> None:
    loop = asyncio.get_running_loop()
    lists = await loop.run_in_executor(None, _leftover_lists, directory)
    for camera_id, path, text in lists:
        journal = store.camera(camera_id)
        rows = parse_list(text)
        run = journal.open_run or {}
        anchor = run.get("anchor") if run.get("list") == path.name else None
        if anchor is None:  # the run's start time, in its list's name: close enough
            with contextlib.suppress(ValueError):
                anchor = float(path.name.split("_", 1)[1].removesuffix(".segments.csv"))
        if rows and isinstance(anchor, int | float):
            first = rows[0][1]
            lead = run.get("lead") if run.get("list") == path.name else 0.0
            lead = lead if isinstance(lead, int | float) else 0.0
            starts = [anchor + s - first for _, s, _ in rows]
            starts[0] += lead  # the run's first frame (stream_clock.first_frame_lead)
            journal.add_segments([tl.Segment(n, start, anchor + e - first)
                                  for start, (n, _, e) in zip(starts, rows, strict=True)])  # fmt: skip
        await loop.run_in_executor(None, unlink_all, [path])
    for journal in store.journal.values():
        journal.open_run = None
        if journal.transitions and journal.transitions[-1].phase == Phase.RECORDING.value:
            end = journal.segments[-1].end if journal.segments else clock.time()
            journal.add_transition(tl.Transition(end, "stopped", tl.NOT_RUNNING))
    await store.save_journal()


def _stat_all(directory: Path, names: set[str]) -> list[StoredFile]:
    out = []
    for name in names:
        with contextlib.suppress(OSError):
            st = (directory / name).stat()
            out.append(StoredFile(directory / name, st.st_size, st.st_mtime))
    return out


def unlink_all(paths: list[Path]) -> int:
    n = 0
    for p in paths:
        try:
            p.unlink()
            n += 1
        except OSError:
            continue
    return n


def _leftover_lists(directory: Path) -> list[tuple[str, Path, str]]:
    out = []
    try:
        with os.scandir(directory) as it:
            names = [e.name for e in it if RUN_LIST.match(e.name)]
    except OSError:
        return []
    for name in names:  # a manual recording's list (".cameraN_stamp.mp4.segments.csv") never matches
        m = RUN_LIST.match(name)
        assert m is not None
        path = directory / name
        with contextlib.suppress(OSError):
            out.append((m.group(1), path, path.read_text(errors="replace")))
    return out
