"""Registry events → camera_status_update notifications (pure: registry, bus, presenter)."""

from __future__ import annotations

import pytest

from camera_service.cameras.registry import CameraRegistry
from camera_service.config.model import Config
from camera_service.events import EventBus
from camera_service.models import Camera, CameraKind, CameraMode, CameraStatus, Notification
from camera_service.rpc.camera_notifier import CameraNotifier
from camera_service.rpc.present import config_stream_urls

pytestmark = pytest.mark.unit


class Urls:
    def stream_urls(self, camera_id: str) -> dict[str, str]:
        return config_stream_urls(Config(), camera_id)


def camera(status: CameraStatus, fps: float = 30.0) -> Camera:
    return Camera(
        "camera0",
        CameraKind.USB,
        "Desk",
        status,
        mode=CameraMode("MJPG", 1920, 1080, fps),
        device_node="/dev/video0",
    )


def collect() -> tuple[CameraRegistry, list[Notification], CameraNotifier]:
    registry, bus = CameraRegistry(), EventBus[Notification]()
    got: list[Notification] = []
    bus.subscribe(got.append)
    return registry, got, CameraNotifier(registry, Urls(), bus)


def test_each_change_gives_one_notification_with_its_topic() -> None:
    registry, got, notifier = collect()
    registry.upsert(camera(CameraStatus.CONNECTED))
    registry.upsert(camera(CameraStatus.CONNECTED, fps=15))
    registry.set_status("camera0", CameraStatus.ERROR, "probe failed")
    registry.set_status("camera0", CameraStatus.CONNECTED)
    registry.set_status("camera0", CameraStatus.DISCONNECTED)
    registry.remove("camera0")
    assert [n.topic for n in got] == [
        "camera.connected",
        "camera.status",
        "camera.status",
        "camera.connected",
        "camera.disconnected",
        "camera.disconnected",
    ]
    assert all(n.method == "camera_status_update" and n.device == "camera0" for n in got)
    assert got[-1].params["status"] == "DISCONNECTED"
    notifier.close()


def test_params_are_the_camera_object() -> None:
    registry, got, notifier = collect()
    registry.upsert(camera(CameraStatus.CONNECTED))
    assert got[0].params == {
        "device": "camera0",
        "status": "CONNECTED",
        "name": "Desk",
        "resolution": "1920x1080",
        "fps": 30.0,
        "streams": {
            "rtsp": "rtsp://localhost:8554/camera0",
            "webrtc": "http://localhost:8889/camera0/whep",
            "hls": "http://localhost:8888/camera0/index.m3u8",
        },
    }
    notifier.close()


def test_closed_notifier_publishes_nothing() -> None:
    registry, got, notifier = collect()
    notifier.close()
    registry.upsert(camera(CameraStatus.CONNECTED))
    assert got == []
