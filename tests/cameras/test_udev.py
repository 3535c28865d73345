"""What a udev event says about a V4L2 node, as pure properties. (The watcher itself runs in
every test of test_monitor.py, against umockdev's emulated netlink.)"""

from __future__ import annotations

import pytest

from camera_service.cameras.udev import UdevEvent

pytestmark = pytest.mark.unit


def event(**props: str) -> UdevEvent:
    return UdevEvent("add", "/sys/devices/video0", "/dev/video0", props)


def test_capture_hint_from_v4l_id() -> None:
    assert event(ID_V4L_CAPABILITIES=":capture:").capture_hint is True
    assert event(ID_V4L_CAPABILITIES=":").capture_hint is False  # UVC metadata node
    assert event().capture_hint is None  # udev did not say: the ioctl decides


def test_node_is_processed_once_udev_rules_have_run() -> None:
    assert not event(DEVNAME="/dev/video0").processed
    assert event(ID_V4L_CAPABILITIES=":capture:").processed
    assert event(ID_PATH="pci-0000:00:14.0-usb-0:5:1.0").processed
