"""Keep MediaMTX's paths equal to the cameras: a pure function from (desired, actual) to the
actions that make them equal. No I/O; ``path_sync.PathSync`` applies the actions.

* a desired path MediaMTX lacks                 → ADD
* a desired path whose managed settings differ  → REPLACE (all other settings reset)
* a path MediaMTX has, that we own, not desired → DELETE
* anything else (foreign paths, paths already right) is left alone.

"Managed settings" are the keys of the desired configuration: MediaMTX reports every
setting of a path (defaults included), so only the keys we set are compared, durations by
value (``"60s"`` equals MediaMTX's ``"1m0s"``). Applying the actions and reconciling again
gives no actions (idempotent). Adding a path that turns out to exist is the applier's job
(it replaces instead), since only MediaMTX knows.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .duration import same_duration


class ActionKind(str, enum.Enum):
    ADD = "add"
    REPLACE = "replace"
    DELETE = "delete"


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    name: str
    conf: Mapping[str, Any] | None = None
    reason: str = ""

    def __str__(self) -> str:
        return f"{self.kind.value} {self.name}" + (f" ({self.reason})" if self.reason else "")


def _same(want: object, have: object) -> bool:
    if want == have and type(want) is type(have):
        return True
    if isinstance(want, str) and isinstance(have, str):
        return same_duration(want, have)
    if isinstance(want, float | int) and isinstance(have, float | int):
        return not isinstance(want, bool) and not isinstance(have, bool) and want == have
    return False


def drift(want: Mapping[str, Any], have: Mapping[str, Any]) -> list[str]:
    """The managed keys whose value in ``have`` differs from ``want``."""
    return [k for k, v in want.items() if not _same(v, have.get(k))]


def reconcile(
    desired: Mapping[str, Mapping[str, Any]],
    actual: Mapping[str, Mapping[str, Any]],
    owned: Callable[[str], bool],
) -> list[Action]:
    """Deletes first (they free names and resources), then adds and replaces; each group in
    name order, so the result is deterministic."""
    deletes = [
        Action(ActionKind.DELETE, name, None, "no such camera")
        for name in sorted(actual)
        if name not in desired and owned(name)
    ]
    changes: list[Action] = []
    for name in sorted(desired):
        want = desired[name]
        have = actual.get(name)
        if have is None:
            changes.append(Action(ActionKind.ADD, name, want))
        elif keys := drift(want, have):
            changes.append(Action(ActionKind.REPLACE, name, want, "drifted: " + ", ".join(keys)))
    return deletes + changes
