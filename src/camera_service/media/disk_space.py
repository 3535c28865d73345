"""Is there room where a camera's recording writes? Pure: no I/O, no clock.

The recorder writes to two storage locations: the recordings folder (``RECORDINGS``: the
segments of modes ``continuous`` and ``schedule``, and the clips of mode ``motion``) and the
motion buffer (``BUFFER``, ``state_dir/motion-buffer``: the pre-capture pieces of mode
``motion``). ``locations_of`` says which a camera's mode writes to.

Each check reads every location as a ``Reading`` (its filesystem and the bytes free there);
``update`` turns them into one ``DiskState`` per location: low while less than
``storage.min_free_mb`` is free. Locations on one filesystem are one state (the least free
of their readings, a reason naming them all), so when both folders are on one disk every
camera pauses and resumes together, as one shared state did before. A location whose
reading failed keeps its last state; a state that did not flip keeps its reason (the
reason tells why it paused, not today's free space).

``for_camera`` is what ``recorder_policy.decide`` gets as a camera's ``disk_ok`` and
``disk_reason``: the first low location it writes to (the buffer before the recordings
folder), so a low buffer pauses mode ``motion`` only and a low recordings folder every
recording camera.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MB = 1024 * 1024  # the unit of every disk-space setting (storage and the recorder use this one)
RECORDINGS = "recordings"
BUFFER = "buffer"
WHERE = {RECORDINGS: "recordings", BUFFER: "the motion buffer"}  # a reason says "... free for X"


@dataclass(frozen=True)
class Reading:
    location: str  # RECORDINGS or BUFFER
    device: int  # the filesystem (st_dev): locations on one share one state
    free: int  # bytes available to us there


@dataclass(frozen=True)
class DiskState:
    ok: bool = True
    reason: str = ""


OK = DiskState()


def locations_of(mode: str) -> tuple[str, ...]:
    """Where a camera in ``mode`` writes, the buffer first."""
    return (BUFFER, RECORDINGS) if mode == "motion" else (RECORDINGS,)


def low_reason(free: int, min_free_mb: int, locations: Iterable[str]) -> str:
    where = " and ".join(WHERE.get(loc, loc) for loc in sorted(locations, key=_order))
    return f"disk space low: {free // MB} MB free for {where}, minimum {min_free_mb} MB"


def update(
    states: Mapping[str, DiskState], readings: Iterable[Reading], min_free_mb: int
) -> dict[str, DiskState]:
    """The state of each location after ``readings`` (``states`` are the last ones)."""
    by_device: dict[int, list[Reading]] = {}
    for r in readings:
        by_device.setdefault(r.device, []).append(r)
    new = dict(states)
    for group in by_device.values():
        free = min(r.free for r in group)
        ok = free >= min_free_mb * MB
        for r in group:
            if states.get(r.location, OK).ok != ok:
                new[r.location] = OK if ok else DiskState(False, low_reason(
                    free, min_free_mb, (g.location for g in group)))  # fmt: skip
    return new


def for_camera(mode: str, states: Mapping[str, DiskState]) -> DiskState:
    for location in locations_of(mode):
        state = states.get(location, OK)
        if not state.ok:
            return state
    return OK


def _order(location: str) -> int:
    return list(WHERE).index(location) if location in WHERE else len(WHERE)
