"""The same checks on real cameras: every /dev/video* capture node is probed with real
ioctls and becomes a CONNECTED camera with a mode; metadata nodes are ignored.
Skipped, with the reason, where no V4L2 device exists."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from camera_service.cameras import v4l2
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
            if v4l2.probe_device(node).info.is_capture:
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
