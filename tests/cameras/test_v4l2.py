"""V4L2 probing with real ioctls: pure helpers, then the real ctypes code against an
emulated /dev/videoN (umockdev) answering with a Logitech C920's capability table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from camera_service.cameras import v4l2, v4l2_abi
from support.monitor_process import SRC, TIMEOUT

CHILD = Path(__file__).resolve().parent.parent / "support" / "v4l2_probe_child.py"


@pytest.mark.unit
def test_frame_interval_fraction_to_fps() -> None:
    assert v4l2.fps_of(1, 30) == 30.0
    assert v4l2.fps_of(2, 15) == 7.5
    assert v4l2.fps_of(333333, 10000000) == 30.0
    assert v4l2.fps_of(0, 30) is None


@pytest.mark.unit
def test_stepwise_sizes_expand_to_common_sizes_within_range_and_step() -> None:
    sizes = v4l2.expand_stepwise(32, 2592, 2, 32, 1944, 2)
    assert sizes[0] == (2592, 1944)
    assert (1920, 1080) in sizes and (640, 480) in sizes
    assert (3840, 2160) not in sizes
    odd_step = v4l2.expand_stepwise(100, 1000, 300, 100, 1000, 300)
    assert odd_step == [(1000, 1000)]  # no common size lies on the step grid


@pytest.mark.unit
def test_stepwise_intervals_expand_to_common_rates() -> None:
    assert v4l2.expand_interval_range(1.0, 30.0) == (30.0, 25.0, 24.0, 20.0, 15.0, 10.0, 5.0)
    assert v4l2.expand_interval_range(10.0, 12.5) == (12.5, 10.0)


@pytest.mark.unit
def test_metadata_node_is_not_a_capture_node() -> None:
    meta = v4l2.DeviceInfo("uvcvideo", "C920", "usb-1", 0x84A00001, 0x04A00000)
    capture = v4l2.DeviceInfo("uvcvideo", "C920", "usb-1", 0x84A00001, 0x04200001)
    mplane = v4l2.DeviceInfo("x", "y", "z", 0, v4l2_abi.CAP_VIDEO_CAPTURE_MPLANE)
    assert not meta.is_capture and capture.is_capture and mplane.is_capture
    assert mplane.buffer_type == v4l2_abi.BUF_TYPE_VIDEO_CAPTURE_MPLANE


def probe_under_umockdev(specs: list[dict[str, Any]]) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), str(CHILD.parent.parent)]))
    r = subprocess.run(["umockdev-wrapper", sys.executable, str(CHILD), json.dumps(specs)],
                       capture_output=True, timeout=TIMEOUT * 2, env=env, check=False)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    data: dict[str, Any] = json.loads(r.stdout)
    return data


@pytest.mark.integration
def test_probe_reads_every_format_size_and_rate_of_a_c920(
    require_umockdev: None, c920_table: dict[str, Any]
) -> None:
    result = probe_under_umockdev([{"name": "video0"}, {"name": "video1", "role": "metadata"}])
    capture, meta = result["/dev/video0"], result["/dev/video1"]
    assert capture["is_capture"] and capture["info"]["driver"] == "uvcvideo"
    assert capture["info"]["card"] == "HD Pro Webcam C920"
    assert capture["info"]["device_caps"] == 0x04200001
    expected = [
        {
            "pixel_format": f["fourcc"],
            "description": f["description"],
            "sizes": [
                {"width": s["width"], "height": s["height"],
                 "fps": [round(den / num, 3) for num, den in s["intervals"]]}
                for s in f["sizes"]
            ],
        }
        for f in c920_table["formats"]
    ]
    assert capture["formats"] == expected
    assert not meta["is_capture"] and meta["formats"] == []


@pytest.mark.integration
def test_probe_of_a_failing_node_is_a_probe_error_with_the_reason(require_umockdev: None) -> None:
    result = probe_under_umockdev([{"name": "video0", "fail": 5}])
    assert result["/dev/video0"]["error"] == (
        "/dev/video0: VIDIOC_QUERYCAP failed: Input/output error (errno 5)"
    )


@pytest.mark.integration
async def test_probe_of_a_missing_node_is_a_probe_error(tmp_path: Path) -> None:
    with pytest.raises(v4l2.ProbeError, match="cannot open"):
        await v4l2.probe(str(tmp_path / "video9"), 2.0)


@pytest.mark.integration
async def test_probe_of_a_file_that_is_no_device_is_a_probe_error(tmp_path: Path) -> None:
    not_a_device = tmp_path / "video9"
    not_a_device.write_bytes(b"")
    with pytest.raises(v4l2.ProbeError, match="VIDIOC_QUERYCAP failed"):
        await v4l2.probe(str(not_a_device), 2.0)


@pytest.mark.integration
def test_probe_expands_stepwise_sizes_and_continuous_intervals(require_umockdev: None) -> None:
    result = probe_under_umockdev([{"name": "video0", "table": "stepwise_camera.json"}])
    node = result["/dev/video0"]
    assert node["is_capture"] and node["info"]["driver"] == "bcm2835 mmal"
    [yu12, mjpg] = node["formats"]
    assert (yu12["pixel_format"], mjpg["pixel_format"]) == ("YU12", "MJPG")
    sizes = [(s["width"], s["height"]) for s in mjpg["sizes"]]
    assert sizes[0] == (2592, 1944) and (1920, 1080) in sizes and (640, 480) in sizes
    assert all(s["fps"] == [90.0, 60.0, 50.0, 30.0, 25.0, 24.0, 20.0, 15.0, 10.0, 5.0]
               for s in mjpg["sizes"])


@pytest.mark.integration
def test_a_known_camera_is_reprobed_with_a_handful_of_ioctls(require_umockdev: None) -> None:
    result = probe_under_umockdev([{"name": "video0", "reprobe": True}])
    node = result["/dev/video0"]
    assert node["ioctls"] > 400  # the full walk of a C920's formats, sizes and rates
    reprobe = node["reprobe"]
    assert reprobe["reused"] and reprobe["same"]
    assert reprobe["ioctls"] == 1 + 3 + 1  # QUERYCAP, ENUM_FMT x 3 formats + the end
    stale = node["stale"]  # moved to another port: the old result is not trusted
    assert not stale["reused"] and stale["same"] and stale["ioctls"] == node["ioctls"]
