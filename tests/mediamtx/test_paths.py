"""Path configuration per camera kind (pure)."""

from __future__ import annotations

import dataclasses
import shlex
from typing import Any

import pytest

from camera_service.config.model import MediaMTXConfig
from camera_service.errors import CameraUnavailable
from camera_service.mediamtx.paths import (
    PUBLISH_URL,
    desired_paths,
    is_camera_path,
    path_conf_for,
)
from camera_service.models import Camera, CameraKind, CameraMode, CameraStatus, CsiSettings

pytestmark = pytest.mark.unit

CFG = MediaMTXConfig(start_timeout=15.0, close_after=60.0)


def _usb(fmt: str = "MJPG", fps: float = 30, node: str | None = "/dev/video0",
         **kw: Any) -> Camera:
    return Camera(id="camera0", kind=CameraKind.USB, name="Webcam",
                  status=kw.pop("status", CameraStatus.CONNECTED),
                  mode=CameraMode(fmt, 1280, 720, fps), device_node=node, **kw)


def _argv(conf: dict[str, Any]) -> list[str]:
    command = conf["runOnDemand"]
    assert command.endswith(" " + PUBLISH_URL)
    return shlex.split(command.removesuffix(" " + PUBLISH_URL))


def _option(argv: list[str], flag: str) -> str:
    return argv[argv.index(flag) + 1]


@pytest.mark.parametrize(("fourcc", "input_format"),
                         [("MJPG", "mjpeg"), ("YUYV", "yuyv422"), ("H264", "h264")])
def test_usb_camera_publishes_its_probed_mode_on_demand(fourcc: str, input_format: str) -> None:
    conf = path_conf_for(_usb(fourcc), CFG)
    assert conf["source"] == "publisher"
    assert conf["runOnDemandRestart"] is True
    assert conf["runOnDemandStartTimeout"] == "15s"
    assert conf["runOnDemandCloseAfter"] == "1m0s"
    argv = _argv(conf)
    assert argv[0] == "ffmpeg"
    assert _option(argv, "-f") == "v4l2"
    assert _option(argv, "-input_format") == input_format
    assert _option(argv, "-video_size") == "1280x720"
    assert _option(argv, "-framerate") == "30"
    assert _option(argv, "-i") == "/dev/video0"
    assert argv[-2:] == ["-rtsp_transport", "tcp"] and "rtsp" in argv


def test_h264_camera_is_copied_not_reencoded() -> None:
    argv = _argv(path_conf_for(_usb("H264"), CFG))
    assert _option(argv, "-c:v") == "copy"
    assert "libx264" not in argv


def test_mjpeg_camera_is_encoded_with_low_latency_x264_for_browsers() -> None:
    argv = _argv(path_conf_for(_usb("MJPG"), CFG))
    assert _option(argv, "-c:v") == "libx264"
    assert _option(argv, "-preset") == "ultrafast"
    assert _option(argv, "-tune") == "zerolatency"
    assert _option(argv, "-pix_fmt") == "yuv420p"
    assert _option(argv, "-g") == "15"  # a key frame every half second at 30 fps
    # and every 0.1 s in the first second: the viewer that started the path sees one soon
    assert _option(argv, "-force_key_frames") == "expr:lt(t,1)*gte(t,n_forced*0.1)"


def test_configured_hardware_encoder_is_used() -> None:
    cfg = dataclasses.replace(CFG, video_encoder="h264_v4l2m2m")
    argv = _argv(path_conf_for(_usb("YUYV"), cfg))
    assert _option(argv, "-c:v") == "h264_v4l2m2m"
    assert "-preset" not in argv and "-tune" not in argv
    assert _option(argv, "-b:v") == "2M"


def test_fractional_frame_rate_is_kept() -> None:
    argv = _argv(path_conf_for(_usb(fps=29.97), CFG))
    assert _option(argv, "-framerate") == "29.97"


def test_odd_device_path_is_quoted_for_mediamtx_splitting() -> None:
    node = "/dev/v4l/by-id/usb-Cam Corp_HD Webcam-video-index0"
    argv = _argv(path_conf_for(_usb(node=node), CFG))
    assert _option(argv, "-i") == node


def test_network_camera_is_pulled_on_demand() -> None:
    cam = Camera(id="camera5", kind=CameraKind.NETWORK, name="Door",
                 status=CameraStatus.CONNECTED, source_url="rtsp://u:p@10.0.0.5:554/live")
    assert path_conf_for(cam, CFG) == {
        "source": "rtsp://u:p@10.0.0.5:554/live",
        "sourceOnDemand": True,
        "sourceOnDemandStartTimeout": "15s",
        "sourceOnDemandCloseAfter": "1m0s",
    }


def test_test_pattern_is_an_ffmpeg_lavfi_publisher() -> None:
    cam = Camera(id="camera0", kind=CameraKind.TEST_PATTERN, name="Test pattern",
                 status=CameraStatus.CONNECTED, mode=CameraMode("testsrc2", 640, 360, 15))
    conf = path_conf_for(cam, CFG)
    argv = _argv(conf)
    assert conf["source"] == "publisher" and conf["runOnDemandRestart"] is True
    assert "-re" in argv
    assert _option(argv, "-f") == "lavfi"
    assert _option(argv, "-i") == "testsrc2=size=640x360:rate=15"
    assert _option(argv, "-c:v") == "libx264"


@pytest.mark.parametrize(
    ("camera", "reason"),
    [
        (_usb(node=None), "no device node"),
        (dataclasses.replace(_usb(), mode=None), "no video mode"),
        (_usb("WXYZ"), "unsupported pixel format"),
        (dataclasses.replace(_usb(), mode=CameraMode("MJPG", 0, 720, 30)), "invalid video mode"),
        (Camera(id="camera1", kind=CameraKind.NETWORK, name="x",
                status=CameraStatus.CONNECTED), "no source URL"),
    ],
)
def test_camera_without_what_its_kind_needs_is_refused_clearly(camera: Camera,
                                                               reason: str) -> None:
    with pytest.raises(CameraUnavailable, match=reason):
        path_conf_for(camera, CFG)


def test_desired_paths_are_connected_local_cameras_and_every_network_camera() -> None:
    cams = [
        _usb(),
        dataclasses.replace(_usb(), id="camera1", status=CameraStatus.DISCONNECTED),
        Camera(id="camera2", kind=CameraKind.NETWORK, name="n", status=CameraStatus.ERROR,
               source_url="rtsp://h/s"),
        dataclasses.replace(_usb(node=None), id="camera3"),
    ]
    desired, problems = desired_paths(cams, CFG)
    assert sorted(desired) == ["camera0", "camera2"]
    assert problems == {"camera3": "no device node"}


@pytest.mark.parametrize(("name", "owned"), [("camera0", True), ("camera12", True),
                                             ("camera", False), ("camera1a", False),
                                             ("mycamera1", False), ("~^camera\\d+$", False)])
def test_camera_path_names(name: str, owned: bool) -> None:
    assert is_camera_path(name) is owned


# -- CSI cameras (Raspberry Pi, MediaMTX's rpiCamera source) ---------------------------------
def _csi(**kw: Any) -> Camera:
    settings = CsiSettings(cam_index=kw.pop("index", 1), sensor="imx708",
                           hdr=kw.pop("hdr", False), rotation=kw.pop("rotation", 0))
    return Camera(id="camera2", kind=CameraKind.CSI, name="Camera Module 3",
                  status=kw.pop("status", CameraStatus.CONNECTED),
                  mode=CameraMode("H264", 1920, 1080, 30), device_node="/dev/v4l-subdev0",
                  csi=settings, **kw)


def test_csi_camera_is_an_rpicamera_source_with_its_index_and_mode() -> None:
    assert path_conf_for(_csi(), CFG) == {
        "source": "rpiCamera", "rpiCameraCamID": 1, "rpiCameraWidth": 1920,
        "rpiCameraHeight": 1080, "rpiCameraFPS": 30.0, "rpiCameraHFlip": False,
        "rpiCameraVFlip": False, "rpiCameraIDRPeriod": 30,
    }


def test_csi_rotation_180_flips_both_ways_and_hdr_is_sent_only_when_asked() -> None:
    conf = path_conf_for(_csi(hdr=True, rotation=180), CFG)
    assert conf["rpiCameraHFlip"] and conf["rpiCameraVFlip"] and conf["rpiCameraHDR"] is True
    assert "rpiCameraHDR" not in path_conf_for(_csi(), CFG)


def test_disconnected_csi_camera_has_no_path() -> None:
    desired, problems = desired_paths([_csi(status=CameraStatus.DISCONNECTED)], CFG)
    assert desired == {} and problems == {}
