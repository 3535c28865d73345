"""Which files retention deletes. Pure: the caller lists the files and deletes them.

Age policy: every file last modified more than ``max_age_days`` ago. Size policy: the oldest
files first until the total of both folders is at most ``max_size_gb`` (GiB). Either way a
busy file (being written: a running recording, a snapshot in progress) or one modified within
``grace`` seconds is never chosen, though it still counts toward the total.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidParams
from ..models import RetentionPolicy

GIB = 1024**3
DAY = 86400.0
GRACE = 10.0


@dataclass(frozen=True)
class StoredFile:
    path: Path
    size: int
    mtime: float
    busy: bool = False


def select_for_deletion(
    files: Iterable[StoredFile], policy: RetentionPolicy, now: float, grace: float = GRACE
) -> list[StoredFile]:
    """The files to delete, oldest first."""
    if not policy.enabled:
        return []
    ordered = sorted(files, key=lambda f: (f.mtime, str(f.path)))

    def deletable(f: StoredFile) -> bool:
        return not f.busy and f.mtime <= now - grace

    if policy.policy_type == "age":
        cutoff = now - policy.max_age_days * DAY
        return [f for f in ordered if f.mtime < cutoff and deletable(f)]
    limit = int(policy.max_size_gb * GIB)
    total = sum(f.size for f in ordered)
    chosen: list[StoredFile] = []
    for f in ordered:
        if total <= limit:
            break
        if deletable(f):
            chosen.append(f)
            total -= f.size
    return chosen


def validate_policy(policy: RetentionPolicy) -> RetentionPolicy:
    if policy.policy_type not in ("age", "size"):
        raise InvalidParams("policy_type", "policy_type must be 'age' or 'size'")
    if not policy.max_age_days > 0:
        raise InvalidParams("max_age_days", "max_age_days must be greater than 0")
    if not policy.max_size_gb > 0:
        raise InvalidParams("max_size_gb", "max_size_gb must be greater than 0")
    return policy
