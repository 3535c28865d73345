"""Notification topics and the names clients use for them (pure).

A topic is a canonical name (``camera.connected``, ``recording.stop``, ...; ``models.TOPICS``).
Older clients subscribe with the *notification* names instead; each selects the group of
topics whose notifications carry that name:

* ``camera_status_update``    → every ``camera.*`` topic
* ``recording_status_update`` → every ``recording.*`` topic
* ``snapshot_taken``          → ``snapshot.taken``
* ``motion_event``            → ``motion.started``, ``motion.updated``, ``motion.ended``

Results always report canonical topics.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import InvalidParams
from ..models import TOPICS

ALIASES: dict[str, tuple[str, ...]] = {
    "camera_status_update": tuple(t for t in TOPICS if t.startswith("camera.")),
    "recording_status_update": tuple(t for t in TOPICS if t.startswith("recording.")),
    "snapshot_taken": tuple(t for t in TOPICS if t.startswith("snapshot.")),
    "motion_event": tuple(t for t in TOPICS if t.startswith("motion.")),
}


def canonical(names: Iterable[str]) -> frozenset[str]:
    """The canonical topics the given names select; raises ``InvalidParams`` naming every
    unknown one and what is known."""
    out: set[str] = set()
    unknown: list[str] = []
    for name in names:
        if name in ALIASES:
            out.update(ALIASES[name])
        elif name in TOPICS:
            out.add(name)
        else:
            unknown.append(name)
    if unknown:
        raise InvalidParams(
            "topics",
            f"unknown topic(s) {', '.join(unknown)}; known: {', '.join(TOPICS)}"
            f" (or the notification names {', '.join(ALIASES)})",
        )
    return frozenset(out)


def ordered(topics: Iterable[str]) -> list[str]:
    """Canonical topics in ``TOPICS`` order (stable results)."""
    wanted = set(topics)
    return [t for t in TOPICS if t in wanted]
