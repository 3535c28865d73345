"""The camera registry as pure state: one event per change, none for repetitions."""

from __future__ import annotations

import dataclasses

import pytest

from camera_service.cameras.registry import CameraRegistry
from camera_service.errors import CameraNotFound
from camera_service.models import Camera, CameraEvent, CameraEventKind, CameraKind, CameraStatus

pytestmark = pytest.mark.unit


class FixedClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now


def camera(cid: str = "camera0", status: CameraStatus = CameraStatus.CONNECTED) -> Camera:
    return Camera(cid, CameraKind.NETWORK, f"Cam {cid}", status, identity=f"id-{cid}")


def test_add_change_remove_each_emit_one_event() -> None:
    registry = CameraRegistry(FixedClock())  # type: ignore[arg-type]
    events: list[CameraEvent] = []
    registry.subscribe(events.append)
    registry.upsert(camera())
    registry.upsert(camera())  # same again: nothing
    registry.set_status("camera0", CameraStatus.DISCONNECTED, "gone")
    registry.set_status("camera0", CameraStatus.DISCONNECTED, "gone")
    registry.remove("camera0")
    registry.remove("camera0")
    assert [e.kind for e in events] == [
        CameraEventKind.ADDED, CameraEventKind.CHANGED, CameraEventKind.REMOVED,
    ]
    assert events[1].previous is not None and events[1].previous.status is CameraStatus.CONNECTED


def test_changed_at_moves_only_when_the_status_changes() -> None:
    clock = FixedClock()
    registry = CameraRegistry(clock)  # type: ignore[arg-type]
    registry.upsert(camera())
    clock.now = 2000.0
    registry.upsert(dataclasses.replace(camera(), name="renamed"))
    assert registry.get("camera0").changed_at == 1000.0
    registry.set_status("camera0", CameraStatus.ERROR, "probe failed")
    assert registry.get("camera0").changed_at == 2000.0


def test_cameras_sort_by_number_not_text() -> None:
    registry = CameraRegistry()
    for cid in ("camera10", "camera2", "camera0"):
        registry.upsert(camera(cid))
    assert [c.id for c in registry.cameras()] == ["camera0", "camera2", "camera10"]


def test_unknown_camera_raises_camera_not_found() -> None:
    with pytest.raises(CameraNotFound) as info:
        CameraRegistry().get("camera9")
    assert info.value.camera_id == "camera9"


def test_find_by_identity() -> None:
    registry = CameraRegistry()
    registry.upsert(camera("camera3"))
    found = registry.find_by_identity("id-camera3")
    assert found is not None and found.id == "camera3"
    assert registry.find_by_identity("nope") is None


def test_a_failing_listener_does_not_stop_the_others() -> None:
    registry = CameraRegistry()
    seen: list[CameraEvent] = []

    def bad(_: CameraEvent) -> None:
        raise RuntimeError("boom")

    registry.subscribe(bad)
    registry.subscribe(seen.append)
    registry.upsert(camera())
    assert len(seen) == 1
