"""Which files retention deletes. Pure: the caller lists the files and deletes them.

Age policy: every file last modified more than ``max_age_days`` ago. Size policy: the oldest
files first until the total of both folders is at most ``max_size_gb`` (GiB). Either way a
busy file (being written: a running recording, a snapshot in progress) or one modified within
``grace`` seconds is never chosen, though it still counts toward the total.

``encode_policy``/``decode_policy`` are the policy's file format (``Storage`` keeps the one
set with ``set_retention_policy`` in the state folder).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidParams
from ..models_recordings import RetentionPolicy
from ..statefile import versioned_field

GIB = 1024**3
DAY = 86400.0
GRACE = 10.0
FILE_VERSION = 1


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


def encode_policy(policy: RetentionPolicy) -> str:
    body = {
        "enabled": policy.enabled,
        "policy_type": policy.policy_type,
        "max_age_days": policy.max_age_days,
        "max_size_gb": policy.max_size_gb,
    }
    return json.dumps({"version": FILE_VERSION, "policy": body}, indent=2) + "\n"


def decode_policy(text: str) -> RetentionPolicy:
    """The policy in a file written by ``encode_policy``; raises ``ValueError`` saying what is
    wrong with anything else (every field is required: no half-saved policy is guessed at)."""
    body = versioned_field(text, FILE_VERSION, "policy", dict)
    enabled, policy_type = body.get("enabled"), body.get("policy_type")
    if not isinstance(enabled, bool):
        raise ValueError("policy.enabled must be true or false")
    if not isinstance(policy_type, str):
        raise ValueError("policy.policy_type must be a string")
    numbers: list[float] = []
    for name in ("max_age_days", "max_size_gb"):
        value = body.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"policy.{name} must be a number")
        numbers.append(float(value))
    try:
        return validate_policy(RetentionPolicy(enabled, policy_type, numbers[0], numbers[1]))
    except InvalidParams as e:
        raise ValueError(f"policy.{e.param}: {e}") from None


def describe_policy(policy: RetentionPolicy) -> str:
    """The policy in words, for the log."""
    if not policy.enabled:
        return f"disabled ({policy.policy_type}: {policy.max_age_days:g} days, {policy.max_size_gb:g} GiB)"
    if policy.policy_type == "age":
        return f"delete files older than {policy.max_age_days:g} days"
    return f"delete the oldest files beyond {policy.max_size_gb:g} GiB"
