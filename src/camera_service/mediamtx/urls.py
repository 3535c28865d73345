"""Where a camera's stream is reached: the public URLs clients are given (RTSP, WebRTC/WHEP,
HLS on the configured public host) and the URL this host's own readers (ffmpeg snapshots and
recordings) read, which carries the internal reader credential. No I/O."""

from __future__ import annotations

import contextlib

from ..config.model import MediaMTXConfig
from ..credentials import InternalCredentials
from ..errors import CameraUnavailable
from ..models import LAVFI_PREFIX, Camera, CameraKind
from .paths import test_pattern_source


def url_host(host: str) -> str:
    """``host`` as it goes into a URL: an IPv6 address in brackets."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def stream_urls(name: str, host: str, config: MediaMTXConfig) -> dict[str, str]:
    """``{"rtsp": ..., "webrtc": ..., "hls": ...}`` of stream ``name`` on ``host`` (already
    through ``url_host``)."""
    return {
        "rtsp": f"rtsp://{host}:{config.rtsp_port}/{name}",
        "webrtc": f"http://{host}:{config.webrtc_port}/{name}/whep",
        "hls": f"http://{host}:{config.hls_port}/{name}/index.m3u8",
    }


def reader_url(camera: Camera, name: str, available: bool, config: MediaMTXConfig,
               credentials: InternalCredentials) -> str:
    """Where this host's own readers read ``camera`` (stream ``name``): MediaMTX on loopback.
    While MediaMTX is unavailable: a network camera's own URL, and the test pattern's lavfi
    source (``LAVFI_PREFIX``), so a machine without MediaMTX still has snapshots and
    recordings of it. A USB camera has no other way in. With stream auth the URL carries
    the internal reader credential (never shown to clients: only our ffmpeg gets it)."""
    if not available:
        if camera.kind is CameraKind.NETWORK and camera.source_url:
            return camera.source_url
        if camera.kind is CameraKind.TEST_PATTERN:
            with contextlib.suppress(CameraUnavailable):  # no usable mode: the default
                return LAVFI_PREFIX + test_pattern_source(camera)
    reader = credentials.reader
    userinfo = reader.userinfo if reader is not None else ""
    return f"rtsp://{userinfo}127.0.0.1:{config.rtsp_port}/{name}"
