"""The same checks on real cameras: every /dev/video* capture node is probed with real
ioctls and becomes a CONNECTED camera with a mode; metadata nodes are ignored. On a real
Raspberry Pi, its camera sensors are csi cameras and none of its camera-pipeline nodes is a
USB camera. Skipped, with the reason, where no V4L2 device (or no Pi) exists."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from camera_service.cameras import v4l2
from camera_service.cameras.csi_classify import SENSOR_MODELS, classify_querycap, parse_subdev_name
from camera_service.cameras.hw_encoders import m2m_h264_nodes
from camera_service.errors import ProbeError
from support.monitor_process import MonitorProcess

pytestmark = pytest.mark.hardware
HOW = "plug a UVC camera and run `make test PYTEST_ARGS='-m hardware'`"


def video_nodes() -> list[str]:
    return sorted(glob.glob("/dev/video*"))


@pytest.fixture
def capture_nodes() -> Iterator[list[str]]:
    nodes = video_nodes()
    if not nodes:
        pytest.skip(f"no /dev/video* on this machine: {HOW}")
    unreadable = [n for n in nodes if not os.access(n, os.R_OK | os.W_OK)]
    if unreadable:
        pytest.skip(f"no read/write access to {', '.join(unreadable)}: add the user to 'video'")
    capture = []
    for node in nodes:
        try:
            info = v4l2.probe_device(node).info
            # a Raspberry Pi's receiver and ISP capture nodes are no USB cameras
            if info.is_capture and classify_querycap(info.driver, info.card) is None:
                capture.append(node)
        except ProbeError:
            continue
    if not capture:
        pytest.skip(f"no V4L2 capture node among {', '.join(nodes)}: {HOW}")
    yield capture


def test_real_capture_nodes_report_formats_sizes_and_rates(capture_nodes: list[str]) -> None:
    for node in capture_nodes:
        caps = v4l2.probe_device(node).capabilities
        assert caps.formats, node
        assert all(f.sizes for f in caps.formats), node
        assert caps.fps_options, node


def test_real_cameras_become_connected_cameras(capture_nodes: list[str], tmp_path: Path) -> None:
    with MonitorProcess({}, tmp_path, umockdev=False) as mon:
        snap = mon.snapshot()
    usb = {c["device_node"]: c for c in snap["cameras"] if c["kind"] == "usb"}
    for node in capture_nodes:
        assert node in usb, f"{node} missing from {list(usb)}"
        assert usb[node]["status"] == "CONNECTED" and usb[node]["mode"], usb[node]
    assert set(usb) <= set(capture_nodes)  # metadata nodes are no cameras


# -- a real Raspberry Pi with a camera module ------------------------------------------------
PI_HOW = ("run on a Raspberry Pi with a camera module (Camera Module 2/3, HQ, GS): "
          "`make test PYTEST_ARGS='-m hardware'`")


def pi_model() -> str:
    try:
        return Path("/proc/device-tree/model").read_text(errors="replace").rstrip("\0")
    except OSError:
        return ""


def sensor_subdevs() -> dict[str, str]:
    """``/dev/v4l-subdevN`` → its sysfs name, for the subdevices that are camera sensors."""
    found = {}
    for name_file in sorted(Path("/sys/class/video4linux").glob("v4l-subdev*/name")):
        name = name_file.read_text(errors="replace").strip()
        parsed = parse_subdev_name(name)
        if parsed and parsed[0] in SENSOR_MODELS:
            found[f"/dev/{name_file.parent.name}"] = name
    return found


@pytest.fixture
def pi_sensors() -> dict[str, str]:
    model = pi_model()
    if "Raspberry Pi" not in model:
        pytest.skip(f"not a Raspberry Pi ({model or 'no /proc/device-tree/model'}): {PI_HOW}")
    sensors = sensor_subdevs()
    if not sensors:
        pytest.skip(f"{model}: no camera sensor subdevice (is the camera connected and "
                    f"camera_auto_detect=1?): {PI_HOW}")
    return sensors


def test_real_pi_lists_its_sensors_as_csi_cameras_and_no_pipeline_node(
    pi_sensors: dict[str, str], tmp_path: Path
) -> None:
    with MonitorProcess({}, tmp_path, umockdev=False) as mon:
        snap = mon.snapshot()
    csi = {c["device_node"]: c for c in snap["cameras"] if c["kind"] == "csi"}
    assert set(csi) == set(pi_sensors), (csi, pi_sensors)
    for node, cam in csi.items():
        assert cam["status"] == "CONNECTED" and cam["mode"]["pixel_format"] == "H264", cam
        assert cam["identity"] == "csi:" + pi_sensors[node].replace(" ", "@"), cam
    assert sorted(c["csi"]["cam_index"] for c in csi.values()) == list(range(len(csi)))
    for cam in snap["cameras"]:
        if cam["kind"] == "usb" and cam["device_node"]:
            info = v4l2.probe_device(cam["device_node"]).info
            assert classify_querycap(info.driver, info.card) is None, (cam, info)


def test_real_pi4_has_its_hardware_h264_encoder(pi_sensors: dict[str, str]) -> None:
    if "Raspberry Pi 5" in pi_model():
        assert m2m_h264_nodes() == []  # the Pi 5 has no H.264 encoder block
    elif not any(Path("/sys/class/video4linux").glob("video*/name")):
        pytest.skip("no V4L2 nodes")
    else:
        assert m2m_h264_nodes(), "bcm2835-codec-encode not found (dtoverlay=vc4-kms-v3d?)"
