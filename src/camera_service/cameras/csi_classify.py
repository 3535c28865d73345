"""What a Raspberry Pi's V4L2 nodes are, from what udev, sysfs and ``VIDIOC_QUERYCAP`` say.
Pure: no I/O.

A Pi's camera pipeline is a media-controller graph of several V4L2 nodes, none of which is a
camera a V4L2 client such as ffmpeg can use:

* **receivers** (``unicam`` on a Pi 4 and older, ``rp1-cfe`` on a Pi 5): capture nodes that
  deliver raw Bayer frames (``unicam-image``, ``unicam-embedded``, ``rp1-cfe-csi2_ch0``,
  ``rp1-cfe-fe_image0``, ...). Only libcamera can drive them (it runs the ISP for them);
* **sensors** (``imx708 10-001a``): ``v4l-subdev`` nodes of the sensors on the receivers'
  I2C buses. *These* are the cameras: MediaMTX's ``rpiCamera`` source opens them through
  libcamera;
* other subdevices (the lens motor ``dw9807``, the receivers' own ``csi2``/``pisp-fe``), and
  the memory-to-memory nodes of the ISP and codecs (``bcm2835-isp``, ``bcm2835-codec``,
  ``rpi-hevc-dec``, ``pispbe``): never cameras.

``classify(view)`` looks at the udev/sysfs view of a node (its ``name`` attribute, its parent
device's driver, udev's ``ID_V4L_PRODUCT``, which is the QUERYCAP card); ``classify_querycap``
decides from the driver and card that ``VIDIOC_QUERYCAP`` reports, for a node udev said
nothing useful about. ``None`` means "not a Pi camera-pipeline node": a USB camera, say.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass

# drivers of libcamera-only capture nodes (the CSI-2 receivers)
RECEIVER_DRIVERS = ("unicam", "bcm2835-unicam", "rp1-cfe")
# drivers of the ISP, codec and other memory-to-memory nodes of a Pi
PLATFORM_DRIVERS = ("bcm2835-isp", "bcm2835-codec", "rpi-hevc-dec", "rpivid", "pispbe",
                    "bcm2835-jpeg", "bcm2835-v4l2-isp")
# sensors MediaMTX's rpiCamera (libcamera on a Pi) supports; see csi_sensors for their modes
SENSOR_MODELS = ("imx708", "imx219", "imx477", "imx296", "ov5647", "imx500", "imx519",
                 "imx290", "imx327", "imx462", "imx378", "imx283", "ov9281", "ov7251", "ov64a40")
# subdevices on the same graph that are not sensors (lens motors, bridges, the receivers' own)
NOT_SENSORS = ("dw9807", "dw9817", "ak7375", "ad5398", "dw9714", "csi2", "pisp-fe", "unicam",
               "tc358743", "adv7180")

_SUBDEV_NAME = re.compile(r"^(?P<model>[a-z0-9_]+)(?: (?P<bus>\d+)-(?P<addr>[0-9a-f]{4}))?$")


class NodeKind(str, enum.Enum):
    SENSOR = "sensor"  # a camera: published through MediaMTX's rpiCamera source
    RECEIVER = "receiver"  # a CSI-2 receiver's capture node: libcamera only, not a camera
    PLATFORM = "platform"  # ISP, codec, M2M: never a camera
    OTHER_SUBDEV = "other_subdev"  # a lens motor, a bridge...: never a camera


@dataclass(frozen=True)
class NodeView:
    """What udev and sysfs say about one ``video4linux`` node."""

    sys_path: str
    device_node: str | None
    name: str = ""  # the node's sysfs ``name`` attribute
    driver: str = ""  # the driver of its parent device (``device/driver``)
    product: str = ""  # udev's ID_V4L_PRODUCT (the QUERYCAP card)
    of_node: str = ""  # the parent device's device-tree path (``device/of_node``)

    @property
    def is_subdev(self) -> bool:
        return bool(self.device_node and self.device_node.startswith("/dev/v4l-subdev"))


@dataclass(frozen=True)
class Verdict:
    kind: NodeKind
    reason: str
    model: str = ""  # sensors: imx708, ...; receivers and platform nodes: their driver
    port: str = ""  # sensors: the I2C bus and address of its connector (10-001a)


def _matches(value: str, drivers: tuple[str, ...]) -> str | None:
    """The driver ``value`` names: the driver itself, or a node name made from it
    (``unicam-image``, ``bcm2835-isp0-capture1``, ``pispbe-output0``)."""
    value = value.strip().lower()
    return next((d for d in drivers if re.match(rf"^{re.escape(d)}\d*(-|$)", value)), None)


def _driver_verdict(*values: str) -> Verdict | None:
    for value in values:
        if not value:
            continue
        if d := _matches(value, RECEIVER_DRIVERS):
            return Verdict(NodeKind.RECEIVER,
                           f"{d} capture node: raw sensor frames only libcamera can use; "
                           "its sensor is published as a csi camera", model=d)
        if d := _matches(value, PLATFORM_DRIVERS):
            return Verdict(NodeKind.PLATFORM, f"{d}: an ISP/codec memory-to-memory node, not a camera",
                           model=d)
    return None


def parse_subdev_name(name: str) -> tuple[str, str] | None:
    """``"imx708 10-001a"`` → ``("imx708", "10-001a")`` (model, I2C bus-address); the kernel
    names an I2C subdevice ``<driver> <bus>-<address>``."""
    m = _SUBDEV_NAME.match(name.strip().lower())
    if m is None:
        return None
    port = f"{m['bus']}-{m['addr']}" if m["bus"] else ""
    return m["model"], port


def _subdev_verdict(view: NodeView) -> Verdict:
    parsed = parse_subdev_name(view.name) or parse_subdev_name(view.driver)
    model, port = parsed if parsed else ("", "")
    if model in SENSOR_MODELS or view.driver in SENSOR_MODELS:
        model = model if model in SENSOR_MODELS else view.driver
        return Verdict(NodeKind.SENSOR, f"{model} camera sensor", model, port or view.sys_path)
    what = f"{view.name!r}" if view.name else "unnamed subdevice"
    if model in NOT_SENSORS or _matches(model, NOT_SENSORS):
        return Verdict(NodeKind.OTHER_SUBDEV, f"{what}: a subdevice of the camera pipeline, not a sensor")
    return Verdict(NodeKind.OTHER_SUBDEV,
                   f"{what}: not a camera sensor this service knows ({', '.join(SENSOR_MODELS)})")


def classify(view: NodeView) -> Verdict | None:
    """The verdict on a node from udev/sysfs alone, or ``None`` when they do not show it is
    part of a Pi's camera pipeline (then probe it as a USB camera, and ask
    ``classify_querycap`` about what the probe found)."""
    if view.is_subdev:
        return _subdev_verdict(view)
    return _driver_verdict(view.driver, view.product, view.name)


def classify_querycap(driver: str, card: str) -> Verdict | None:
    """The verdict from ``VIDIOC_QUERYCAP``'s driver and card (``"unicam"``/``"unicam"``,
    ``"rp1-cfe"``/``"rp1-cfe"``, ``"bcm2835-codec"``/``"bcm2835-codec-encode"``, ...)."""
    return _driver_verdict(driver, card)


def view_of(sys_path: str, device_node: str | None, attributes: Mapping[str, str],
            properties: Mapping[str, str]) -> NodeView:
    return NodeView(
        sys_path=sys_path,
        device_node=device_node,
        name=attributes.get("name", ""),
        driver=attributes.get("driver", ""),
        product=properties.get("ID_V4L_PRODUCT", ""),
        of_node=attributes.get("of_node", ""),
    )
