"""Raspberry Pi CSI cameras under umockdev: the real monitor over the sysfs/udev view of a
Pi 4 with a Camera Module 3 and of a Pi 5 with two sensors (tests/data/*.umockdev, in
umockdev-record's format): exactly the sensors become ``csi`` cameras, with stable ids,
libcamera's indices and their modes; receiver, ISP, codec and lens nodes are ignored, each
with a debug reason; a USB camera plugged beside them comes and goes as usual."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from support.monitor_process import MonitorProcess

pytestmark = pytest.mark.integration

PI4 = "pi4_camera_module3.umockdev"
PI5 = "pi5_two_sensors.umockdev"
PI4_SENSOR = "/sys/devices/platform/soc/fe205000.i2c/i2c-22/i2c-10/10-001a/video4linux/v4l-subdev0"
PI5_IMX219 = ("/sys/devices/platform/axi/1000120000.pcie/1f00000000.rp1/1f00080000.i2c/i2c-4/"
              "4-0010/video4linux/v4l-subdev8")


@pytest.fixture
def start(start_monitor: Callable[..., MonitorProcess]) -> Callable[..., MonitorProcess]:
    """``start(records, cameras_config={}) -> MonitorProcess`` (DEBUG log; stopped at the end)."""

    def _start(records: list[str], cameras: dict[str, Any] | None = None) -> MonitorProcess:
        return start_monitor(cameras or {}, records=records, log_level="DEBUG")

    return _start


def csi(snapshot: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in snapshot["cameras"] if c["kind"] == "csi"}


def test_pi4_lists_only_the_camera_module_3_as_a_csi_camera(start: Any) -> None:
    mon = start([PI4])
    snap = mon.snapshot()
    assert [c["id"] for c in snap["cameras"]] == ["camera0"]
    cam = csi(snap)["camera0"]
    assert cam["status"] == "CONNECTED" and cam["name"] == "Camera Module 3 (imx708)"
    assert cam["identity"] == "csi:imx708@10-001a"
    assert cam["mode"] == {"pixel_format": "H264", "width": 1920, "height": 1080, "fps": 30.0}
    assert cam["csi"] == {"cam_index": 0, "sensor": "imx708", "hdr": False, "rotation": 0}
    log = mon.stderr(0)
    for node, why in (("/dev/video0", "unicam capture node"), ("/dev/video1", "unicam capture node"),
                      ("/dev/video11", "bcm2835-codec: an ISP/codec"),
                      ("/dev/video14", "bcm2835-isp: an ISP/codec"),
                      ("/dev/video19", "rpi-hevc-dec: an ISP/codec"),
                      ("/dev/v4l-subdev1", "'dw9807 10-000c': a subdevice of the camera pipeline")):
        assert f"DEBUG camera_service.cameras.csi: {node} ignored: {why}" in log, node
    assert snap["health"]["healthy"], snap["health"]


def test_pi5_lists_both_sensors_with_libcamera_indices(start: Any) -> None:
    mon = start([PI5])
    cams = csi(mon.snapshot())
    by_sensor = {c["csi"]["sensor"]: c for c in cams.values()}
    assert set(by_sensor) == {"imx708", "imx219"} and len(cams) == 2
    # libcamera sorts by device-tree path, descending: i2c@88000 (CAM0) before i2c@80000
    assert by_sensor["imx708"]["csi"]["cam_index"] == 0
    assert by_sensor["imx219"]["csi"]["cam_index"] == 1
    assert by_sensor["imx708"]["identity"] == "csi:imx708@6-001a"
    assert by_sensor["imx219"]["identity"] == "csi:imx219@4-0010"
    assert by_sensor["imx219"]["name"] == "Camera Module 2 (imx219)"
    log = mon.stderr(0)
    assert "/dev/video20 ignored: pispbe: an ISP/codec" in log
    assert "/dev/video4 ignored: rp1-cfe capture node" in log
    assert "/dev/v4l-subdev2 ignored: 'csi2': a subdevice" in log


def test_configured_mode_hdr_and_rotation_are_taken(start: Any) -> None:
    mon = start([PI4], {"csi": {"camera0": {"width": 2304, "height": 1296, "fps": 30,
                                            "hdr": True, "rotation": 180}}})
    cam = csi(mon.snapshot())["camera0"]
    assert cam["mode"] == {"pixel_format": "H264", "width": 2304, "height": 1296, "fps": 30.0}
    assert cam["csi"]["hdr"] is True and cam["csi"]["rotation"] == 180


def test_usb_camera_beside_the_pi_camera_still_comes_and_goes(start: Any) -> None:
    mon = start([PI4])
    mon.snapshot()
    mon.plug("video40")
    mon.plug("video41", role="metadata")
    cams = mon.wait_for(lambda c: "camera1" in c and c["camera1"]["status"] == "CONNECTED")
    assert cams["camera1"]["kind"] == "usb" and cams["camera1"]["device_node"] == "/dev/video40"
    mon.unplug("video40")
    mon.unplug("video41")
    cams = mon.wait_for(lambda c: c["camera1"]["status"] == "DISCONNECTED")
    assert cams["camera0"]["status"] == "CONNECTED" and cams["camera0"]["kind"] == "csi"
    assert len(mon.snapshot()["cameras"]) == 2


def test_removed_sensor_disconnects_and_keeps_its_id(start: Any) -> None:
    mon = start([PI5])
    before = {c["csi"]["sensor"]: c["id"] for c in csi(mon.snapshot()).values()}
    mon.remove_device(PI5_IMX219)
    cams = mon.wait_for(lambda c: c[before["imx219"]]["status"] == "DISCONNECTED")
    assert cams[before["imx219"]]["reason"] == "unplugged"
    assert cams[before["imx708"]]["status"] == "CONNECTED"


def test_excluded_sensor_is_not_listed(start: Any) -> None:
    mon = start([PI4], {"exclude": ["csi:imx708"]})
    assert mon.snapshot()["cameras"] == []


def test_receiver_node_udev_says_nothing_about_is_recognised_by_querycap(start: Any) -> None:
    mon = start([])
    mon.plug("video0", table="pi4_unicam.json", sysfs_name="")
    mon.plug("video2")  # a C920 beside it
    cams = mon.wait_for(lambda c: "camera0" in c)
    snap = mon.snapshot()
    assert [c["device_node"] for c in snap["cameras"]] == ["/dev/video2"]
    assert cams["camera0"]["kind"] == "usb"
    assert "/dev/video0 ignored: unicam capture node" in mon.stderr(0)


def test_resync_notices_a_sensor_whose_remove_uevent_was_lost(start: Any) -> None:
    mon = start([PI5])
    before = {c["csi"]["sensor"]: c["id"] for c in csi(mon.snapshot()).values()}
    mon.remove_device(PI5_IMX219, uevent=False)
    mon.send({"op": "resync"})
    mon.next_message("done")
    mon.next_message("done")
    cams = {c["id"]: c for c in mon.snapshot()["cameras"]}
    assert cams[before["imx219"]]["status"] == "DISCONNECTED"
    assert cams[before["imx708"]]["status"] == "CONNECTED"
    assert len(cams) == 2  # the receivers and ISP nodes resync saw again are still no cameras
