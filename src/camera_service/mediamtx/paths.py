"""The MediaMTX path configuration (``PathConf``) each camera needs. Pure, no I/O.

* USB camera  → ``source: publisher`` with a ``runOnDemand`` ffmpeg publisher reading the
  probed mode from the V4L2 device: H.264 is copied, anything else is encoded with
  ``MediaMTXConfig.video_encoder`` (libx264 ``ultrafast``/``zerolatency`` by default, or a
  hardware encoder such as ``h264_v4l2m2m``). MediaMTX starts it when the first reader
  arrives, restarts it if it exits, and stops it ``close_after`` after the last reader.
* network camera → ``source: rtsp://…`` with ``sourceOnDemand`` (MediaMTX pulls it only
  while someone reads).
* test pattern → an ffmpeg ``lavfi testsrc2`` publisher, on demand like a USB camera.
* CSI camera (Raspberry Pi) → ``source: rpiCamera``: MediaMTX drives the sensor through
  libcamera and encodes H.264 on the Pi itself (``csi_conf``); such a source runs while
  its path exists, so the path exists only while the camera is CONNECTED.

MediaMTX expands ``$RTSP_PORT`` and ``$MTX_PATH`` in ``runOnDemand`` and splits it like a
POSIX shell (no shell runs), so arguments are quoted with ``shlex.quote``.

With stream auth, ``runOnDemand`` runs ``camera_service.publisher`` in front of ffmpeg: it
asks the service over a Unix socket for a one-time credential and hands it to MediaMTX
itself (``publish_grants``), so no command line carries a secret.
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Iterable
from typing import Any

from ..config.model import MediaMTXConfig
from ..errors import CameraUnavailable
from ..models import Camera, CameraKind, CameraMode
from ..publish_grants import PublishGrants
from .duration import format_duration

CAMERA_PATH = re.compile(r"^camera\d+$")
PUBLISH_URL = "rtsp://127.0.0.1:$RTSP_PORT/$MTX_PATH"


# runs the publisher from a checkout's src/ whatever MediaMTX's working directory and PYTHONPATH
BOOTSTRAP = ("import sys; sys.path.insert(0, sys.argv.pop(1)); "
             "from camera_service.publisher.__main__ import main; sys.exit(main())")


def publisher_prefix(grants: PublishGrants | None) -> list[str]:
    """What runs ffmpeg: nothing with stream auth off, else our one-time-credential relay."""
    if grants is None:
        return []
    start = (["-m", "camera_service.publisher"] if grants.import_root is None
             else ["-c", BOOTSTRAP, grants.import_root])
    return [grants.python, *start, "--socket", grants.socket_path, "--"]

FFMPEG = "ffmpeg"
TEST_PATTERN_FORMAT = "testsrc2"

# V4L2 fourcc (as the prober reports it) → ffmpeg's v4l2 ``-input_format``
V4L2_INPUT_FORMATS = {
    "MJPG": "mjpeg",
    "MJPEG": "mjpeg",
    "JPEG": "mjpeg",
    "YUYV": "yuyv422",
    "YUYV422": "yuyv422",
    "UYVY": "uyvy422",
    "NV12": "nv12",
    "YU12": "yuv420p",
    "RGB3": "rgb24",
    "H264": "h264",
}
COPY_FORMATS = {"h264"}


def is_camera_path(name: str) -> bool:
    """Path names this service owns by convention: ``camera0``, ``camera1``, …"""
    return CAMERA_PATH.match(name) is not None


def _fps(fps: float) -> str:
    return str(int(fps)) if float(fps).is_integer() else f"{fps:g}"


def _check_mode(camera: Camera) -> CameraMode:
    mode = camera.mode
    if mode is None:
        raise CameraUnavailable(camera.id, "no video mode (not probed yet)")
    if mode.width <= 0 or mode.height <= 0 or not math.isfinite(mode.fps) or mode.fps <= 0:
        raise CameraUnavailable(camera.id, f"invalid video mode {mode.resolution}@{mode.fps}")
    return mode


# 0.5 s rather than 1 s: measured on 1280x720@30 testsrc2 with libx264 ultrafast/zerolatency,
# +2 % bytes (+2 % at a fixed 2 Mbit/s) and no measurable CPU; a plain -g works with every
# encoder (-force_key_frames depends on the encoder honouring forced picture types)
GOP_SECONDS = 0.5
# libx264 only: a key frame every STARTING_GOP_SECONDS for the first STARTING_SECONDS of a
# publisher. The reader that started an on-demand path (a viewer's WHEP or HLS request)
# connects a few tens of milliseconds after MediaMTX has the stream, so it misses the first
# key frame; without these it waits up to GOP_SECONDS for the next one (measured 0.04-0.5 s
# of a 1.3 s start). The cost is a burst of about ten key frames once per start.
STARTING_SECONDS = 1.0
STARTING_GOP_SECONDS = 0.1


def starting_key_frames() -> str:
    """ffmpeg's ``-force_key_frames`` expression for the key frames of a publisher's start
    (``STARTING_SECONDS``); after it, ``-g`` alone."""
    return f"expr:lt(t,{STARTING_SECONDS:g})*gte(t,n_forced*{STARTING_GOP_SECONDS:g})"


def encoder_args(encoder: str, fps: float, vaapi_device: str = "") -> list[str]:
    """ffmpeg output options that make browser-friendly H.264 (yuv420p, a key frame every
    ``GOP_SECONDS`` so a new WebRTC/HLS reader, which starts at a key frame, waits at most
    that long; with libx264 more often while the publisher starts). ``auto`` not yet
    resolved to the host's encoder (``encoders.choose_encoder``, done by the app at start)
    means libx264."""
    gop = str(max(1, round(fps * GOP_SECONDS)))
    if encoder == "h264_vaapi":  # frames go up to the GPU as NV12
        return ["-vaapi_device", vaapi_device or "/dev/dri/renderD128", "-vf",
                "format=nv12,hwupload", "-c:v", "h264_vaapi", "-g", gop, "-b:v", "2M"]
    if encoder in ("libx264", "auto"):
        return ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
                "-pix_fmt", "yuv420p", "-g", gop, "-force_key_frames", starting_key_frames()]
    # hardware encoders (h264_v4l2m2m, h264_omx, …) need a bit rate; their defaults are tiny
    return ["-c:v", encoder, "-pix_fmt", "yuv420p", "-g", gop, "-b:v", "2M"]


def _command(input_args: list[str], output_args: list[str],
             publisher: PublishGrants | None = None) -> str:
    args = [*publisher_prefix(publisher), FFMPEG, "-hide_banner", "-loglevel", "warning",
            "-nostdin", *input_args, "-an", *output_args, "-f", "rtsp", "-rtsp_transport", "tcp"]
    return " ".join(shlex.quote(a) for a in args) + " " + PUBLISH_URL


def usb_command(camera: Camera, cfg: MediaMTXConfig, publisher: PublishGrants | None = None) -> str:
    mode = _check_mode(camera)
    if not camera.device_node:
        raise CameraUnavailable(camera.id, "no device node")
    input_format = V4L2_INPUT_FORMATS.get(mode.pixel_format.upper())
    if input_format is None:
        raise CameraUnavailable(camera.id, f"unsupported pixel format {mode.pixel_format!r}")
    inp = ["-f", "v4l2", "-input_format", input_format, "-video_size", mode.resolution,
           "-framerate", _fps(mode.fps), "-i", camera.device_node]
    out = ["-c:v", "copy"] if input_format in COPY_FORMATS else encoder_args(
        cfg.video_encoder, mode.fps, cfg.vaapi_device)
    return _command(inp, out, publisher)


def test_pattern_source(camera: Camera) -> str:
    """The lavfi source of a test-pattern camera (``testsrc2=size=WxH:rate=F``)."""
    mode = _check_mode(camera)
    return f"{TEST_PATTERN_FORMAT}=size={mode.resolution}:rate={_fps(mode.fps)}"


def test_pattern_command(camera: Camera, cfg: MediaMTXConfig,
                         publisher: PublishGrants | None = None) -> str:
    mode = _check_mode(camera)
    inp = ["-re", "-f", "lavfi", "-i", test_pattern_source(camera)]
    return _command(inp, encoder_args(cfg.video_encoder, mode.fps, cfg.vaapi_device), publisher)


def csi_conf(camera: Camera) -> dict[str, Any]:
    """``rpiCamera`` settings of a CSI camera: libcamera's camera index, the mode, HDR (only
    sent when asked: MediaMTX refuses it on sensors without it), and a rotation of 180 as
    both flips."""
    mode = _check_mode(camera)
    if camera.csi is None:
        raise CameraUnavailable(camera.id, "no CSI sensor settings")
    conf: dict[str, Any] = {
        "source": "rpiCamera",
        "rpiCameraCamID": camera.csi.cam_index,
        "rpiCameraWidth": mode.width,
        "rpiCameraHeight": mode.height,
        "rpiCameraFPS": float(mode.fps),
        "rpiCameraHFlip": camera.csi.rotation == 180,
        "rpiCameraVFlip": camera.csi.rotation == 180,
        "rpiCameraIDRPeriod": max(1, round(mode.fps)),  # a key frame a second, as for USB
    }
    if camera.csi.hdr:
        conf["rpiCameraHDR"] = True
    return conf


def path_conf_for(camera: Camera, cfg: MediaMTXConfig,
                  publisher: PublishGrants | None = None) -> dict[str, Any]:
    """The ``PathConf`` body for one camera. Raises ``CameraUnavailable`` when the camera
    lacks what its kind needs (a probed mode, a device node, a source URL)."""
    if camera.kind is CameraKind.NETWORK:
        if not camera.source_url:
            raise CameraUnavailable(camera.id, "no source URL")
        return {
            "source": camera.source_url,
            "sourceOnDemand": True,
            "sourceOnDemandStartTimeout": format_duration(cfg.start_timeout),
            "sourceOnDemandCloseAfter": format_duration(cfg.close_after),
        }
    if camera.kind is CameraKind.CSI:
        return csi_conf(camera)
    if camera.kind is CameraKind.USB:
        command = usb_command(camera, cfg, publisher)
    elif camera.kind is CameraKind.TEST_PATTERN:
        command = test_pattern_command(camera, cfg, publisher)
    else:  # pragma: no cover - a new CameraKind must be handled here
        raise CameraUnavailable(camera.id, f"unknown camera kind {camera.kind!r}")
    return {
        "source": "publisher",
        # a second publisher never replaces the one publishing (MediaMTX's default would)
        "overridePublisher": False,
        "runOnDemand": command,
        "runOnDemandRestart": True,
        "runOnDemandStartTimeout": format_duration(cfg.start_timeout),
        "runOnDemandCloseAfter": format_duration(cfg.close_after),
    }


def wants_path(camera: Camera) -> bool:
    """Network cameras always have a path (MediaMTX pulls them on demand, so a camera that
    is down costs nothing); USB, CSI and test-pattern cameras only while CONNECTED."""
    return camera.kind is CameraKind.NETWORK or camera.connected


def desired_paths(
    cameras: Iterable[Camera], cfg: MediaMTXConfig, publisher: PublishGrants | None = None
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """``({path name: PathConf}, {camera id: why it has no path})`` for the cameras that
    should be published now."""
    desired: dict[str, dict[str, Any]] = {}
    problems: dict[str, str] = {}
    for camera in cameras:
        if not wants_path(camera):
            continue
        try:
            desired[camera.id] = path_conf_for(camera, cfg, publisher)
        except CameraUnavailable as e:
            problems[camera.id] = e.reason
    return desired, problems
