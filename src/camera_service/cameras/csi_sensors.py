"""Raspberry Pi camera sensors: their modes, the default one, libcamera's camera order, and
a CSI camera's mode from the configuration. Pure: no I/O.

A sensor's *default* is a mode its sensor modes cover at full field of view and 30 fps where
it can (1080p for the 8-12 MP sensors, the native size for the global-shutter ``imx296`` and
``ov9281``); ``cameras.csi.<cameraN>`` overrides width, height, fps, HDR and rotation.

``rpiCameraCamID`` is an index into libcamera's list of cameras as MediaMTX (like
``rpicam-apps``) builds it: the cameras sorted by their libcamera id, which is the sensor's
device-tree path (``/base/soc/i2c0mux/i2c@1/imx708@1a``), in descending order. When the
device-tree path is not known, the sysfs path stands in; ``cameras.csi.<cameraN>.index``
overrides the result for a host where that guess is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..config.model import CsiCameraConfig
from ..models import CameraMode, Capabilities, CsiSettings, FormatCaps, FrameSize

CSI_FORMAT = "H264"  # what MediaMTX's rpiCamera source produces (encoded on the Pi)
CSI_DESCRIPTION = "H.264 from libcamera (MediaMTX rpiCamera)"


@dataclass(frozen=True)
class SensorModel:
    title: str
    modes: tuple[tuple[int, int, float], ...]  # the sensor's own modes: width, height, max fps
    default: tuple[int, int, float]
    hdr: bool = False  # whether the sensor has an HDR mode (Camera Module 3)


SENSORS: dict[str, SensorModel] = {
    "imx708": SensorModel("Camera Module 3", ((4608, 2592, 14.35), (2304, 1296, 56.03),
                                              (1536, 864, 120.13)), (1920, 1080, 30.0), hdr=True),
    "imx219": SensorModel("Camera Module 2", ((3280, 2464, 21.19), (1920, 1080, 47.57),
                                              (1640, 1232, 41.85), (640, 480, 206.65)),
                          (1920, 1080, 30.0)),
    "imx477": SensorModel("HQ Camera", ((4056, 3040, 10.0), (2028, 1520, 40.01),
                                        (2028, 1080, 50.03), (1332, 990, 120.05)),
                          (1920, 1080, 30.0)),
    "imx296": SensorModel("Global Shutter Camera", ((1456, 1088, 60.38),), (1456, 1088, 30.0)),
    "ov5647": SensorModel("Camera Module 1", ((2592, 1944, 15.63), (1920, 1080, 30.62),
                                              (1296, 972, 46.34), (640, 480, 58.92)),
                          (1920, 1080, 30.0)),
    "imx500": SensorModel("AI Camera", ((4056, 3040, 10.0), (2028, 1520, 30.02)),
                          (1920, 1080, 30.0)),
    "imx519": SensorModel("Arducam 16MP", ((4656, 3496, 9.0), (2328, 1748, 30.0),
                                           (1920, 1080, 60.05)), (1920, 1080, 30.0)),
    "imx290": SensorModel("IMX290", ((1920, 1080, 60.0), (1280, 720, 60.0)), (1920, 1080, 30.0)),
    "imx327": SensorModel("IMX327", ((1920, 1080, 60.0), (1280, 720, 60.0)), (1920, 1080, 30.0)),
    "imx462": SensorModel("IMX462", ((1920, 1080, 60.0), (1280, 720, 60.0)), (1920, 1080, 30.0)),
    "imx378": SensorModel("IMX378", ((4056, 3040, 10.0), (2028, 1520, 40.0)), (1920, 1080, 30.0)),
    "imx283": SensorModel("IMX283", ((5472, 3648, 17.0), (2736, 1824, 50.0)), (1920, 1080, 30.0)),
    "ov9281": SensorModel("OV9281 global shutter", ((1280, 800, 120.0),), (1280, 800, 30.0)),
    "ov7251": SensorModel("OV7251 global shutter", ((640, 480, 120.0),), (640, 480, 30.0)),
    "ov64a40": SensorModel("Arducam 64MP", ((9248, 6944, 2.7), (2312, 1736, 30.0)),
                           (1920, 1080, 30.0)),
}
GENERIC = SensorModel("CSI camera", ((1920, 1080, 30.0),), (1920, 1080, 30.0))
STREAM_SIZES = ((1920, 1080), (1280, 720), (640, 480))  # offered beside the sensor's own
HDR_MAX = (2304, 1296, 30.0)  # the imx708's HDR mode: its binned size, at most 30 fps


def sensor(model: str) -> SensorModel:
    return SENSORS.get(model, GENERIC)


def capabilities(model: str) -> Capabilities:
    """The modes a client can ask for: the sensor's own sizes and the common stream sizes
    (the ISP scales), each at the rates the sensor reaches there."""
    spec = sensor(model)
    top = max(fps for _, _, fps in spec.modes)
    sizes: list[FrameSize] = []
    for w, h, fps in spec.modes:
        sizes.append(FrameSize(w, h, tuple(r for r in (fps, 30.0, 15.0) if r <= fps)))
    for w, h in STREAM_SIZES:
        if not any((s.width, s.height) == (w, h) for s in sizes):
            fits = [fps for mw, mh, fps in spec.modes if mw >= w and mh >= h] or [top]
            best = max(fits)
            sizes.append(FrameSize(w, h, tuple(dict.fromkeys(
                r for r in (min(best, 30.0), 15.0) if r <= best))))
    return Capabilities((FormatCaps(CSI_FORMAT, CSI_DESCRIPTION, tuple(sizes)),))


def choose(model: str, wanted: CsiCameraConfig | None) -> tuple[CameraMode, str]:
    """The mode for a sensor, and why a configured one was not taken as it is ("" when it
    was, or when there was none). HDR only where the sensor has it."""
    spec = sensor(model)
    width, height, fps = spec.default
    note = ""
    if wanted is not None:
        width, height = wanted.width or width, wanted.height or height
        fps = wanted.fps or fps
        top = max((f for w, h, f in spec.modes if w >= width and h >= height), default=None)
        if top is None:
            note = f"{width}x{height} is larger than the {model} sensor; using its default"
            width, height, fps = spec.default
        elif fps > top + 0.01:
            note = f"{model} reaches {top:g} fps at {width}x{height}, not {fps:g}"
            fps = float(int(top))
        if wanted.hdr and spec.hdr and (width > HDR_MAX[0] or height > HDR_MAX[1] or fps > HDR_MAX[2]):
            note = f"{model} HDR works up to {HDR_MAX[0]}x{HDR_MAX[1]}@{HDR_MAX[2]:g}"
            if width > HDR_MAX[0] or height > HDR_MAX[1]:
                width, height = HDR_MAX[0], HDR_MAX[1]
            fps = min(fps, HDR_MAX[2])
    return CameraMode(CSI_FORMAT, width, height, float(fps)), note


def settings(model: str, cam_index: int, wanted: CsiCameraConfig | None) -> CsiSettings:
    hdr = bool(wanted and wanted.hdr and sensor(model).hdr)
    rotation = wanted.rotation if wanted else 0
    index = wanted.index if wanted and wanted.index is not None else cam_index
    return CsiSettings(cam_index=index, sensor=model, hdr=hdr, rotation=rotation)


def camera_order(sort_keys: Iterable[str]) -> dict[str, int]:
    """Each sensor's index in libcamera's camera list (see the module docstring):
    ``{sort key: index}``, the keys being device-tree paths (or sysfs paths)."""
    return {key: i for i, key in enumerate(sorted(set(sort_keys), reverse=True))}
