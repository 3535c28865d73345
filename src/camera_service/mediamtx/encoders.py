"""Which H.264 encoder publishes the cameras that need one (``mediamtx.video_encoder``), as
a pure function of what the host's probe found (``cameras.hw_encoders``).

``auto`` takes, in this order: ``h264_v4l2m2m`` where a V4L2 memory-to-memory node encodes
H.264 (the Pi 4's ``bcm2835-codec``; a Pi 5 has none), ``h264_vaapi`` where a VA-API render
node encodes H.264 (Intel, AMD), else ``libx264`` in software; each only when this ffmpeg
has that encoder. Any other value is taken as configured. H.264 cameras are always copied,
and CSI cameras are encoded by MediaMTX itself, so neither needs this.
"""

from __future__ import annotations

import re

from ..models import EncoderChoice, HostEncoders

AUTO = "auto"
SOFTWARE = "libx264"
DEFAULT_VAAPI_DEVICE = "/dev/dri/renderD128"
_VAINFO_H264_ENCODE = re.compile(r"VAProfileH264\w*\s*:\s*VAEntrypointEncSlice(LP)?\b")

# linux/videodev2.h
CAP_VIDEO_M2M_MPLANE = 0x00004000
CAP_VIDEO_M2M = 0x00008000


def is_m2m_h264_encoder(device_caps: int, capture_formats: list[str] | tuple[str, ...]) -> bool:
    """A memory-to-memory node is an H.264 encoder when its capture queue (what comes out)
    offers H.264; a decoder offers H.264 on its output queue instead."""
    return bool(device_caps & (CAP_VIDEO_M2M | CAP_VIDEO_M2M_MPLANE)) and "H264" in capture_formats


def vainfo_encodes_h264(text: str) -> bool:
    """Whether ``vainfo`` output lists an H.264 encode entry point."""
    return _VAINFO_H264_ENCODE.search(text) is not None


def _has(host: HostEncoders, encoder: str) -> bool:
    return host.ffmpeg_encoders is None or encoder in host.ffmpeg_encoders


def choose_encoder(configured: str, host: HostEncoders, vaapi_device: str = "") -> EncoderChoice:
    if configured != AUTO:
        device = None
        if configured == "h264_vaapi":
            device = vaapi_device or next(iter(host.vaapi_h264), DEFAULT_VAAPI_DEVICE)
        return EncoderChoice(configured, "configured (mediamtx.video_encoder)", device)
    skipped: list[str] = []
    if host.m2m_h264:
        if _has(host, "h264_v4l2m2m"):
            return EncoderChoice("h264_v4l2m2m",
                                 f"V4L2 memory-to-memory H.264 encoder at {host.m2m_h264[0]}")
        skipped.append(f"{host.m2m_h264[0]} encodes H.264 but this ffmpeg has no h264_v4l2m2m")
    devices = [vaapi_device] if vaapi_device and vaapi_device in host.vaapi_h264 else list(host.vaapi_h264)
    if devices:
        if _has(host, "h264_vaapi"):
            return EncoderChoice("h264_vaapi", f"VA-API H.264 encoder on {devices[0]}", devices[0])
        skipped.append(f"{devices[0]} encodes H.264 but this ffmpeg has no h264_vaapi")
    why = "; ".join(skipped + list(host.notes)) or "none found"
    return EncoderChoice(SOFTWARE, f"no hardware H.264 encoder ({why}): software x264")
