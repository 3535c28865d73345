"""The monitor's small decisions as pure functions: which nodes, which name, how long to
back off, when a network stream's mode counts as changed."""

from __future__ import annotations

import pytest

from camera_service.cameras.network_watch import same_mode
from camera_service.cameras.policy import (
    backoff_delay,
    match_keys,
    network_name,
    pattern_mode,
    selected,
    usb_name,
)
from camera_service.models import CameraMode

pytestmark = pytest.mark.unit

PROPS = {"ID_SERIAL": "046d_HD_Pro_Webcam_C920_8B1F2A3F", "ID_SERIAL_SHORT": "8B1F2A3F",
         "DEVLINKS": "/dev/v4l/by-id/usb-046d_HD_Pro_Webcam_C920_8B1F2A3F-video-index0 "
                     "/dev/v4l/by-path/pci-0000:00:14.0-usb-0:5:1.0-video-index0",
         "ID_V4L_PRODUCT": "HD Pro Webcam C920", "ID_MODEL": "HD_Pro_Webcam_C920"}


def test_match_keys_are_node_links_and_serials() -> None:
    keys = match_keys("/dev/video0", PROPS)
    assert keys[0] == "/dev/video0" and "8B1F2A3F" in keys
    assert any(k.startswith("/dev/v4l/by-id/") for k in keys)


def test_include_and_exclude() -> None:
    keys = match_keys("/dev/video0", PROPS)
    assert selected(keys, ["/dev/video*"], [])
    assert selected(keys, ["/dev/v4l/by-id/usb-046d*"], [])
    assert not selected(keys, ["/dev/video1*"], [])
    assert not selected(keys, ["/dev/video*"], ["*C920*"])
    assert selected(keys, [], [])  # no include pattern: everything
    assert not selected(["/dev/video0"], ["/dev/video*"], ["/dev/video0"])


def test_usb_name_prefers_config_by_id_then_serial_then_the_device() -> None:
    assert usb_name("camera0", {"camera0": "Desk"}, PROPS) == "Desk"
    assert usb_name("camera0", {"8B1F2A3F": "Lab"}, PROPS) == "Lab"
    assert usb_name("camera0", {}, PROPS) == "HD Pro Webcam C920"
    assert usb_name("camera0", {}, {"ID_MODEL": "Cheap_Cam"}) == "Cheap Cam"
    assert usb_name("camera0", {}, {}, card="UVC Camera (046d:0825)") == "UVC Camera (046d:0825)"
    assert usb_name("camera0", {}, {}, "", "/dev/video4") == "USB camera /dev/video4"


def test_network_name() -> None:
    assert network_name("camera2", {"camera2": "Yard"}, None, "10.0.0.5") == "Yard"
    assert network_name("camera2", {"camera2": "Yard"}, "Gate", "10.0.0.5") == "Gate"
    assert network_name("camera2", {}, None, "10.0.0.5") == "Network camera 10.0.0.5"


def test_backoff_doubles_up_to_the_maximum_and_resets_when_healthy() -> None:
    assert [backoff_delay(n, 10, 60) for n in range(6)] == [10, 10, 20, 40, 60, 60]
    assert backoff_delay(3, 10, 5) == 10  # a maximum below the interval never shortens it


def test_small_frame_rate_wobble_is_not_a_new_mode() -> None:
    base = CameraMode("H264", 640, 480, 15.0)
    assert same_mode(base, CameraMode("H264", 640, 480, 14.9))
    assert not same_mode(base, CameraMode("H264", 640, 480, 25.0))
    assert not same_mode(base, CameraMode("H264", 1280, 720, 15.0))
    assert not same_mode(None, base)


def test_pattern_camera_mode_is_testsrc2() -> None:
    mode, caps = pattern_mode(1280, 720, 15)
    assert mode == CameraMode("testsrc2", 1280, 720, 15.0)
    assert caps.resolutions == ["1280x720"] and caps.fps_options == [15.0]
