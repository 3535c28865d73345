"""Frozen value objects of recordings, snapshots and the files they leave: their status and
gaps, file listings and info, storage use and retention. No I/O here (``models`` holds the
cameras, notifications and the clock; ``models_streams`` the streams)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class RecordingStatus(str, enum.Enum):
    RECORDING = "RECORDING"
    STOPPED = "STOPPED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class RecordingGap:
    """A break in a recording: wall times, cause, and ``at``: the recorded seconds before it."""

    start: float
    end: float
    cause: str
    at: float


@dataclass(frozen=True)
class Recording:
    """``duration`` is the recorded media's (what the files hold), ``wall_duration`` the time
    from its first frame to its end (outages included); ``paused`` holds the cause while
    the recording waits for its source."""

    camera_id: str
    filename: str
    format: str
    start_time: float
    status: RecordingStatus = RecordingStatus.RECORDING
    end_time: float | None = None
    duration: float | None = None
    file_size: int = 0
    segments: tuple[str, ...] = ()
    reason: str = ""
    wall_duration: float | None = None
    gaps: tuple[RecordingGap, ...] = ()
    paused: str = ""


@dataclass(frozen=True)
class Snapshot:
    camera_id: str
    filename: str
    timestamp: float
    file_size: int
    path: str


@dataclass(frozen=True)
class FileEntry:
    kind: str  # "snapshots" | "recordings"
    filename: str
    file_size: int
    modified_time: float


@dataclass(frozen=True)
class FileInfo:
    """``duration`` is the media's; a recording joined from pieces after pauses also has
    its ``wall_duration`` and ``gaps`` (kept in the file itself)."""

    entry: FileEntry
    created_time: float
    device: str | None = None
    duration: float | None = None
    wall_duration: float | None = None
    gaps: tuple[RecordingGap, ...] = ()


@dataclass(frozen=True)
class RetentionPolicy:
    enabled: bool = False
    policy_type: str = "age"  # "age" | "size"
    max_age_days: float = 30.0
    max_size_gb: float = 10.0


@dataclass(frozen=True)
class StorageInfo:
    total_space: int
    used_space: int
    available_space: int
    usage_percentage: float
    recordings_size: int
    snapshots_size: int
    low_space_warning: bool


@dataclass(frozen=True)
class CleanupResult:
    """One retention pass; ``executed`` is false when nothing was applied, and ``reason``
    says why (e.g. the policy is disabled)."""

    files_deleted: int
    space_freed: int
    executed: bool = True
    reason: str | None = None
