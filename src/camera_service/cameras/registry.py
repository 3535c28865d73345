"""The one registry of cameras: pure state plus change events, no I/O.

Every change of a camera (added, status or mode changed, removed) produces exactly one
``CameraEvent``; setting a camera to what it already is produces none, so listeners see
changes of state, never repetitions.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable

from ..errors import CameraNotFound
from ..events import EventBus
from ..models import Camera, CameraEvent, CameraEventKind, CameraStatus, Clock, ComponentHealth

_ID_NUMBER = re.compile(r"(\d+)$")


def _sort_key(camera_id: str) -> tuple[str, int]:
    m = _ID_NUMBER.search(camera_id)
    return (camera_id[: m.start()] if m else camera_id, int(m.group(1)) if m else -1)


def _same(a: Camera, b: Camera) -> bool:
    return dataclasses.replace(a, changed_at=0.0) == dataclasses.replace(b, changed_at=0.0)


class CameraRegistry:
    def __init__(self, clock: Clock | None = None) -> None:
        self._clock = clock or Clock()
        self._cameras: dict[str, Camera] = {}
        self._events: EventBus[CameraEvent] = EventBus()
        self._health = ComponentHealth("camera_monitor", False, "starting")

    # -- queries -------------------------------------------------------------------------
    def cameras(self) -> list[Camera]:
        return [self._cameras[k] for k in sorted(self._cameras, key=_sort_key)]

    def get(self, camera_id: str) -> Camera:
        try:
            return self._cameras[camera_id]
        except KeyError:
            raise CameraNotFound(camera_id) from None

    def find(self, camera_id: str) -> Camera | None:
        return self._cameras.get(camera_id)

    def find_by_identity(self, identity: str) -> Camera | None:
        return next((c for c in self._cameras.values() if c.identity == identity), None)

    def health(self) -> ComponentHealth:
        return self._health

    def set_health(self, healthy: bool, state: str, detail: str = "") -> None:
        self._health = ComponentHealth("camera_monitor", healthy, state, detail)

    def subscribe(self, listener: Callable[[CameraEvent], None]) -> Callable[[], None]:
        return self._events.subscribe(listener)

    # -- changes -------------------------------------------------------------------------
    def upsert(self, camera: Camera) -> CameraEvent | None:
        """Add or replace a camera; emits ADDED or CHANGED, or nothing when unchanged."""
        previous = self._cameras.get(camera.id)
        if previous is not None and _same(previous, camera):
            return None
        if previous is not None and previous.status is camera.status:
            camera = dataclasses.replace(camera, changed_at=previous.changed_at)
        else:
            camera = dataclasses.replace(camera, changed_at=self._clock.time())
        self._cameras[camera.id] = camera
        kind = CameraEventKind.ADDED if previous is None else CameraEventKind.CHANGED
        event = CameraEvent(kind, camera, previous)
        self._events.publish(event)
        return event

    def set_status(self, camera_id: str, status: CameraStatus, reason: str = "") -> CameraEvent | None:
        camera = self.get(camera_id)
        return self.upsert(dataclasses.replace(camera, status=status, reason=reason))

    def remove(self, camera_id: str) -> CameraEvent | None:
        camera = self._cameras.pop(camera_id, None)
        if camera is None:
            return None
        event = CameraEvent(CameraEventKind.REMOVED, camera, camera)
        self._events.publish(event)
        return event
