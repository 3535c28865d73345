"""Which Raspberry Pi V4L2 nodes are cameras, as a pure function of udev/sysfs/QUERYCAP."""

from __future__ import annotations

import pytest

from camera_service.cameras.csi_classify import (
    NodeKind,
    NodeView,
    classify,
    classify_querycap,
    parse_subdev_name,
)

pytestmark = pytest.mark.unit


def video(name: str, driver: str = "", product: str = "") -> NodeView:
    return NodeView("/sys/x/video0", "/dev/video0", name=name, driver=driver, product=product)


def subdev(name: str, driver: str = "") -> NodeView:
    return NodeView("/sys/x/v4l-subdev0", "/dev/v4l-subdev0", name=name, driver=driver)


@pytest.mark.parametrize("view", [
    video("unicam-image", "unicam", "unicam"), video("unicam-embedded", "unicam"),
    video("rp1-cfe-csi2_ch0", "rp1-cfe", "rp1-cfe"), video("rp1-cfe-fe_image0"),
    video("", "bcm2835-unicam"), video("", "", "unicam"),
])
def test_receiver_capture_nodes_are_not_cameras(view: NodeView) -> None:
    verdict = classify(view)
    assert verdict is not None and verdict.kind is NodeKind.RECEIVER
    assert "only libcamera" in verdict.reason


@pytest.mark.parametrize("view", [
    video("bcm2835-isp0-capture1", "bcm2835-isp", "bcm2835-isp"),
    video("bcm2835-codec-encode", "bcm2835-codec", "bcm2835-codec-encode"),
    video("rpi-hevc-dec", "rpi-hevc-dec"), video("pispbe-output0", "pispbe", "pispbe"),
    video("rpivid"), video("bcm2835-isp0-capture1"), video("bcm2835-codec-decode"),
])
def test_isp_codec_and_m2m_nodes_are_never_cameras(view: NodeView) -> None:
    verdict = classify(view)
    assert verdict is not None and verdict.kind is NodeKind.PLATFORM
    assert "not a camera" in verdict.reason


def test_usb_camera_is_not_a_pi_node() -> None:
    assert classify(video("HD Pro Webcam C920", "uvcvideo", "HD Pro Webcam C920")) is None
    assert classify(video("unicamera 3000", "uvcvideo")) is None  # a name that only starts alike
    assert classify_querycap("uvcvideo", "HD Pro Webcam C920") is None


@pytest.mark.parametrize(("name", "model", "port"), [
    ("imx708 10-001a", "imx708", "10-001a"), ("imx219 4-0010", "imx219", "4-0010"),
    ("imx477 10-001a", "imx477", "10-001a"), ("imx296 6-001a", "imx296", "6-001a"),
    ("ov5647 10-0036", "ov5647", "10-0036"),
])
def test_sensor_subdevices_are_cameras_with_model_and_port(name: str, model: str, port: str) -> None:
    verdict = classify(subdev(name, model))
    assert verdict is not None and verdict.kind is NodeKind.SENSOR
    assert (verdict.model, verdict.port) == (model, port)


@pytest.mark.parametrize("name", ["dw9807 10-000c", "csi2", "pisp-fe", "tc358743 10-000f",
                                  "mystery 3-0042"])
def test_other_subdevices_are_not_cameras(name: str) -> None:
    verdict = classify(subdev(name))
    assert verdict is not None and verdict.kind is NodeKind.OTHER_SUBDEV
    assert repr(name) in verdict.reason


def test_querycap_tells_what_udev_did_not() -> None:
    receiver = classify_querycap("unicam", "unicam")
    codec = classify_querycap("bcm2835-codec", "bcm2835-codec-encode")
    assert receiver is not None and receiver.kind is NodeKind.RECEIVER
    assert codec is not None and codec.kind is NodeKind.PLATFORM
    cfe = classify_querycap("rp1-cfe", "rp1-cfe")
    assert cfe is not None and cfe.kind is NodeKind.RECEIVER


def test_subdevice_names_parse() -> None:
    assert parse_subdev_name("imx708 10-001a") == ("imx708", "10-001a")
    assert parse_subdev_name("csi2") == ("csi2", "")
    assert parse_subdev_name("not a subdev name") is None
