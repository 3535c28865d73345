"""Frozen value objects shared by every layer: cameras and their events, component health,
notifications and the clock, the host's H.264 encoders. No I/O here. Those of one domain
are beside it: ``models_recordings`` (recordings, files, storage, retention) and
``models_streams`` (stream state, kept, external and discovered streams)."""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass, field


class CameraStatus(str, enum.Enum):
    CONNECTED = "CONNECTED"
    DISCONNECTED = "DISCONNECTED"
    ERROR = "ERROR"


# A reader "URL" that names an ffmpeg lavfi source instead of a stream: the test pattern,
# read directly while MediaMTX (which publishes it) is away. Made by the MediaMTX adapter,
# understood by the media adapter's ffmpeg command lines.
LAVFI_PREFIX = "lavfi:"


class CameraKind(str, enum.Enum):
    USB = "usb"
    NETWORK = "network"
    TEST_PATTERN = "test_pattern"
    CSI = "csi"  # a Raspberry Pi camera sensor, driven by libcamera through MediaMTX's rpiCamera


@dataclass(frozen=True)
class CameraMode:
    """What a camera is asked to produce. ``pixel_format`` is the V4L2 fourcc name
    (``MJPG``, ``YUYV``, ``H264``, ...)."""

    pixel_format: str
    width: int
    height: int
    fps: float

    @property
    def resolution(self) -> str:
        return f"{self.width}x{self.height}"


@dataclass(frozen=True)
class FrameSize:
    width: int
    height: int
    fps: tuple[float, ...] = ()


@dataclass(frozen=True)
class FormatCaps:
    pixel_format: str
    description: str = ""
    sizes: tuple[FrameSize, ...] = ()


@dataclass(frozen=True)
class Capabilities:
    formats: tuple[FormatCaps, ...] = ()

    @property
    def format_names(self) -> list[str]:
        return [f.pixel_format for f in self.formats]

    @property
    def resolutions(self) -> list[str]:
        seen: dict[str, None] = {}
        for f in self.formats:
            for s in f.sizes:
                seen[f"{s.width}x{s.height}"] = None
        return list(seen)

    @property
    def fps_options(self) -> list[float]:
        return sorted({fps for f in self.formats for s in f.sizes for fps in s.fps}, reverse=True)


@dataclass(frozen=True)
class CsiSettings:
    """What MediaMTX's ``rpiCamera`` source needs beyond the mode: the sensor's index in
    libcamera's camera list (``rpiCameraCamID``), its model, HDR and rotation (0 or 180)."""

    cam_index: int
    sensor: str
    hdr: bool = False
    rotation: int = 0


@dataclass(frozen=True)
class Camera:
    """One camera as the registry knows it.

    ``device_node`` and ``source_url`` are private: they never appear in a public result
    (``source_url`` may carry credentials).
    """

    id: str
    kind: CameraKind
    name: str
    status: CameraStatus
    reason: str = ""
    mode: CameraMode | None = None
    capabilities: Capabilities = field(default_factory=Capabilities)
    identity: str = ""
    device_node: str | None = None
    source_url: str | None = None
    changed_at: float = field(default_factory=time.time)
    csi: CsiSettings | None = None  # CSI cameras only

    @property
    def connected(self) -> bool:
        return self.status is CameraStatus.CONNECTED


class CameraEventKind(str, enum.Enum):
    ADDED = "added"
    CHANGED = "changed"
    REMOVED = "removed"


@dataclass(frozen=True)
class CameraEvent:
    kind: CameraEventKind
    camera: Camera
    previous: Camera | None = None


@dataclass(frozen=True)
class ComponentHealth:
    name: str
    healthy: bool
    state: str
    detail: str = ""


# the notification topics of API.md, in the order clients see them listed
TOPICS = (
    "camera.connected",
    "camera.disconnected",
    "camera.status",
    "recording.start",
    "recording.stop",
    "recording.error",
    "snapshot.taken",
    "motion.started",
    "motion.updated",
    "motion.ended",
)


@dataclass(frozen=True)
class Notification:
    """A server → client notification: JSON-RPC ``method`` and ``params``, and the
    subscription ``topic`` it belongs to (``camera.connected``, ``recording.stop``, ...)."""

    method: str
    topic: str
    params: dict[str, object]
    device: str | None = None


class Clock:
    """Wall and monotonic time; components receive one so tests can reason about time."""

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()


Listener = Callable[[Notification], None]


# -- H.264 encoders of the host (what ``mediamtx.video_encoder: auto`` chooses from) ---------
@dataclass(frozen=True)
class HostEncoders:
    """What the encoder probe found: V4L2 memory-to-memory nodes whose capture queue offers
    H.264 (a hardware encoder such as the Pi 4's ``bcm2835-codec-encode``), DRI render nodes
    whose VA-API driver encodes H.264, the encoders this ffmpeg has (``None``: not known),
    and notes on what could not be probed."""

    m2m_h264: tuple[str, ...] = ()
    vaapi_h264: tuple[str, ...] = ()
    ffmpeg_encoders: frozenset[str] | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class EncoderChoice:
    """The ffmpeg encoder used for cameras that do not deliver H.264, and why."""

    encoder: str
    reason: str
    device: str | None = None  # the VA-API render node, for h264_vaapi

    @property
    def hardware(self) -> bool:
        return self.encoder != "libx264"
