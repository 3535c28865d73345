"""A ``device`` given as a device node resolves to the camera at that node now."""

from __future__ import annotations

import dataclasses

import pytest

from camera_service.cameras.registry import CameraRegistry
from camera_service.errors import CameraNotFound
from camera_service.models import Camera, CameraKind, CameraStatus
from camera_service.rpc.devices import camera_id_at, resolve_device

pytestmark = pytest.mark.unit


def camera(n: int, node: str | None) -> Camera:
    return Camera(f"camera{n}", CameraKind.USB, f"cam {n}", CameraStatus.CONNECTED, device_node=node,
                  identity=f"id-{n}")  # fmt: skip


def test_node_resolves_to_the_camera_there_now() -> None:
    reg = CameraRegistry()
    reg.upsert(camera(0, "/dev/video0"))
    reg.upsert(camera(1, "/dev/video2"))
    assert camera_id_at(reg, "/dev/video2") == "camera1"
    reg.upsert(dataclasses.replace(reg.get("camera1"), device_node="/dev/video4"))  # replugged
    assert resolve_device(reg, {"device": "/dev/video4", "x": 1}) == {"device": "camera1", "x": 1}
    with pytest.raises(CameraNotFound) as info:
        camera_id_at(reg, "/dev/video2")
    assert info.value.camera_id == "/dev/video2"


def test_ids_and_other_arguments_pass_unchanged() -> None:
    reg = CameraRegistry()
    args = {"device": "camera7", "filename": "/dev/video0"}
    assert resolve_device(reg, args) is args
    assert resolve_device(reg, {"limit": 5}) == {"limit": 5}
