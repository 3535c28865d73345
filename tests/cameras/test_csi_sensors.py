"""CSI sensors' modes, defaults and libcamera's camera order (pure)."""

from __future__ import annotations

import pytest

from camera_service.cameras import csi_sensors
from camera_service.config.model import CsiCameraConfig
from camera_service.models import CameraMode

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("model", "size"), [
    ("imx708", (1920, 1080)), ("imx219", (1920, 1080)), ("imx477", (1920, 1080)),
    ("imx296", (1456, 1088)), ("ov5647", (1920, 1080)), ("unknown", (1920, 1080)),
])
def test_each_sensor_has_a_sensible_default_at_30_fps(model: str, size: tuple[int, int]) -> None:
    mode, note = csi_sensors.choose(model, None)
    assert (mode.width, mode.height, mode.fps, note) == (*size, 30.0, "")
    assert mode.pixel_format == "H264"


def test_configured_mode_wins() -> None:
    mode, note = csi_sensors.choose("imx708", CsiCameraConfig(width=1536, height=864, fps=100))
    assert mode == CameraMode("H264", 1536, 864, 100.0) and note == ""


def test_mode_beyond_the_sensor_falls_back_with_a_note() -> None:
    mode, note = csi_sensors.choose("imx296", CsiCameraConfig(width=1920, height=1080))
    assert (mode.width, mode.height) == (1456, 1088) and "larger than the imx296" in note
    mode, note = csi_sensors.choose("imx477", CsiCameraConfig(width=4056, height=3040, fps=30))
    assert mode.fps == 10.0 and "reaches 10 fps" in note


def test_hdr_only_where_the_sensor_has_it_and_index_override() -> None:
    assert csi_sensors.settings("imx708", 0, CsiCameraConfig(hdr=True)).hdr is True
    assert csi_sensors.settings("imx219", 0, CsiCameraConfig(hdr=True)).hdr is False
    s = csi_sensors.settings("imx219", 1, CsiCameraConfig(rotation=180, index=0))
    assert (s.cam_index, s.rotation, s.sensor) == (0, 180, "imx219")


def test_camera_order_is_libcameras_descending_device_tree_order() -> None:
    order = csi_sensors.camera_order([
        "/base/axi/pcie@120000/rp1/i2c@80000/imx219@10",
        "/base/axi/pcie@120000/rp1/i2c@88000/imx708@1a",
    ])
    assert order == {"/base/axi/pcie@120000/rp1/i2c@88000/imx708@1a": 0,
                     "/base/axi/pcie@120000/rp1/i2c@80000/imx219@10": 1}


def test_capabilities_list_the_sensor_modes_and_common_sizes() -> None:
    caps = csi_sensors.capabilities("imx708")
    assert caps.format_names == ["H264"]
    assert {"4608x2592", "2304x1296", "1536x864", "1920x1080", "1280x720"} <= set(caps.resolutions)
    assert 120.13 in caps.fps_options and 30.0 in caps.fps_options


def test_hdr_mode_is_kept_within_the_sensors_hdr_size_and_rate() -> None:
    mode, note = csi_sensors.choose("imx708", CsiCameraConfig(width=4608, height=2592, fps=14,
                                                              hdr=True))
    assert (mode.width, mode.height, mode.fps) == (2304, 1296, 14.0) and "HDR works up to" in note
    mode, _ = csi_sensors.choose("imx708", CsiCameraConfig(width=1536, height=864, fps=120, hdr=True))
    assert (mode.width, mode.height, mode.fps) == (1536, 864, 30.0)  # the ISP scales down
    mode, note = csi_sensors.choose("imx708", CsiCameraConfig(hdr=True))
    assert (mode.width, mode.height, mode.fps, note) == (1920, 1080, 30.0, "")
