"""Streams kept published by ``start_streaming``: pure state and rules, no I/O.

How a stream is kept alive: a second path per kept camera, ``camera0_keepalive``, whose
``source`` is the camera's own path on loopback RTSP with ``sourceOnDemand: false``. MediaMTX
pulls such a source from the moment the path exists (and retries if it fails), so it is a
reader of ``camera0`` that never leaves: the camera's on-demand publisher (``runOnDemand``)
or on-demand pull (``sourceOnDemand``) starts and stays up. The camera's own path
configuration never changes, so starting and stopping never interrupts its other readers
(recordings, viewers); deleting the keepalive path lets ``camera0`` close after
``close_after`` as it does after any last reader. MediaMTX supports this with documented
settings only (a path whose source is an ``rtsp://`` URL, ``sourceOnDemand``,
``rtspTransport``), the same for USB, test-pattern and network cameras.

A kept stream ends at ``stop_streaming`` or ``keep_for`` seconds after its last
``start_streaming`` (``mediamtx.stream_keepalive``); kept streams are not persisted, so a
restart of the service ends them (their stale keepalive paths are deleted: the names are
owned).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from ..models_streams import KeptStream

KEEPALIVE_SUFFIX = "_keepalive"
_KEEPALIVE_PATH = re.compile(r"^camera\d+_keepalive$")

ACTIVE, INACTIVE, ERROR, STARTING, STOPPING = "ACTIVE", "INACTIVE", "ERROR", "STARTING", "STOPPING"


def keepalive_name(camera_id: str) -> str:
    return camera_id + KEEPALIVE_SUFFIX


def is_keepalive_path(name: str) -> bool:
    return _KEEPALIVE_PATH.match(name) is not None


def keepalive_conf(reader_url: str) -> dict[str, Any]:
    """The ``PathConf`` of a keepalive path: an always-on pull of ``reader_url`` (the
    camera's path on loopback, with the service's own reader credential if it has one)."""
    return {"source": reader_url, "sourceOnDemand": False, "rtspTransport": "tcp"}


class KeepAlives:
    """Which cameras are kept streaming, until when (monotonic deadlines)."""

    def __init__(self) -> None:
        self._kept: dict[str, KeptStream] = {}

    def start(self, camera_id: str, wall: float, mono: float, keep_for: float) -> KeptStream:
        """Keep ``camera_id`` for ``keep_for`` s from now; again for a kept one extends it
        and keeps its start time."""
        old = self._kept.get(camera_id)
        if old is not None and old.deadline > mono:
            kept = replace(old, keep_for=keep_for, deadline=mono + keep_for)
        else:
            kept = KeptStream(camera_id, wall, keep_for, mono + keep_for)
        self._kept[camera_id] = kept
        return kept

    def stop(self, camera_id: str, mono: float) -> KeptStream | None:
        kept = self._kept.pop(camera_id, None)
        return kept if kept is not None and kept.deadline > mono else None

    def get(self, camera_id: str, mono: float) -> KeptStream | None:
        kept = self._kept.get(camera_id)
        return kept if kept is not None and kept.deadline > mono else None

    def active(self, mono: float) -> list[KeptStream]:
        return sorted((k for k in self._kept.values() if k.deadline > mono),
                      key=lambda k: k.camera_id)

    def expire(self, mono: float) -> list[KeptStream]:
        """Forget the kept streams whose time is up and return them."""
        gone = [k for k in self._kept.values() if k.deadline <= mono]
        for k in gone:
            del self._kept[k.camera_id]
        return sorted(gone, key=lambda k: k.camera_id)

    def next_deadline(self) -> float | None:
        return min((k.deadline for k in self._kept.values()), default=None)


@dataclass(frozen=True)
class PathView:
    """What MediaMTX said about a camera's path and its keepalive path (``None``: no such
    path)."""

    exists: bool
    ready: bool = False
    readers: int = 0
    keepalive_reading: bool = False  # the keepalive path exists and its pull is ready


def other_readers(view: PathView) -> int:
    """The camera path's readers other than our own keepalive pull."""
    return max(0, view.readers - (1 if view.keepalive_reading else 0))


def stream_status(
    view: PathView,
    kept: KeptStream | None,
    camera_error: bool,
    mono: float,
    start_timeout: float,
    stopped_at: float | None,
    close_after: float,
) -> str:
    """``StreamStatus.status``: ERROR for a camera in error or a kept stream that is not
    ready ``start_timeout`` after it was asked for; STARTING before that; ACTIVE while
    MediaMTX has the stream; STOPPING while it closes after ``stop_streaming`` with no other
    reader; INACTIVE otherwise (on demand, nobody reading)."""
    if camera_error:
        return ERROR
    if view.ready:
        if (kept is None and stopped_at is not None and mono - stopped_at < close_after
                and other_readers(view) == 0):
            return STOPPING
        return ACTIVE
    if kept is not None:
        asked_at = kept.deadline - kept.keep_for
        return STARTING if mono - asked_at < start_timeout else ERROR
    return INACTIVE
