"""Frozen value objects shared by every layer. No I/O here."""

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
class StreamState:
    """A MediaMTX path's runtime state (from ``/v3/paths/get``)."""

    name: str
    ready: bool
    readers: int
    bytes_sent: int
    bytes_received: int = 0
    source: str | None = None
    ready_time: str | None = None


@dataclass(frozen=True)
class ComponentHealth:
    name: str
    healthy: bool
    state: str
    detail: str = ""


class RecordingStatus(str, enum.Enum):
    RECORDING = "RECORDING"
    STOPPED = "STOPPED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class RecordingGap:
    """A break in a recording: wall times, cause, and ``at``: the recorded seconds before it."""

    start: float
    end: float
    cause: str
    at: float


@dataclass(frozen=True)
class Recording:
    """``duration`` is the recorded media's (what the files hold), ``wall_duration`` the time
    from its first frame to its end (outages included); ``paused`` holds the cause while
    the recording waits for its source."""

    camera_id: str
    filename: str
    format: str
    start_time: float
    status: RecordingStatus = RecordingStatus.RECORDING
    end_time: float | None = None
    duration: float | None = None
    file_size: int = 0
    segments: tuple[str, ...] = ()
    reason: str = ""
    wall_duration: float | None = None
    gaps: tuple[RecordingGap, ...] = ()
    paused: str = ""


@dataclass(frozen=True)
class Snapshot:
    camera_id: str
    filename: str
    timestamp: float
    file_size: int
    path: str


@dataclass(frozen=True)
class FileEntry:
    kind: str  # "snapshots" | "recordings"
    filename: str
    file_size: int
    modified_time: float


@dataclass(frozen=True)
class FileInfo:
    """``duration`` is the media's; a recording joined from pieces after pauses also has
    its ``wall_duration`` and ``gaps`` (kept in the file itself)."""

    entry: FileEntry
    created_time: float
    device: str | None = None
    duration: float | None = None
    wall_duration: float | None = None
    gaps: tuple[RecordingGap, ...] = ()


@dataclass(frozen=True)
class RetentionPolicy:
    enabled: bool = False
    policy_type: str = "age"  # "age" | "size"
    max_age_days: float = 30.0
    max_size_gb: float = 10.0


@dataclass(frozen=True)
class StorageInfo:
    total_space: int
    used_space: int
    available_space: int
    usage_percentage: float
    recordings_size: int
    snapshots_size: int
    low_space_warning: bool


@dataclass(frozen=True)
class CleanupResult:
    """One retention pass; ``executed`` is false when nothing was applied, and ``reason``
    says why (e.g. the policy is disabled)."""

    files_deleted: int
    space_freed: int
    executed: bool = True
    reason: str | None = None


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


# -- streams kept published (start_streaming / stop_streaming) --------------------------------


@dataclass(frozen=True)
class KeptStream:
    """A camera's stream kept published by ``start_streaming``: since ``started_at`` (wall
    time), until ``deadline`` (monotonic), ``keep_for`` s after the last start."""

    camera_id: str
    started_at: float
    keep_for: float
    deadline: float


@dataclass(frozen=True)
class StreamStarted:
    kept: KeptStream
    ready: bool  # MediaMTX has the stream (within start_timeout)
    reason: str = ""  # why not, when not


@dataclass(frozen=True)
class StreamStopped:
    kept: KeptStream
    ended_at: float  # wall time
    stream_continues: bool  # other readers (viewers, recordings) keep it published


@dataclass(frozen=True)
class StreamReport:
    """A camera's stream as ``get_stream_status`` reports it. ``state.readers`` counts
    readers other than the service's own keepalive pull."""

    camera_id: str
    status: str  # ACTIVE / INACTIVE / ERROR / STARTING / STOPPING
    path_exists: bool
    state: StreamState
    kept: KeptStream | None = None


# -- external streams (network cameras added at run time) and RTSP discovery --------------
@dataclass(frozen=True)
class ExternalStream:
    """A network camera added with ``add_external_stream``. ``url`` is private (it may
    carry credentials); ``safe_url`` is the same URL without them."""

    url: str = field(repr=False)
    safe_url: str
    name: str
    type: str
    added_at: float
    camera_id: str = ""
    last_seen: float | None = None  # last time it answered a probe


@dataclass(frozen=True)
class DiscoveredStream:
    """One RTSP URL that answered a DESCRIBE during a discovery scan (never with
    credentials). ``needs_auth``: it answered 401."""

    url: str
    type: str  # "skydio" or "generic_rtsp"
    name: str
    discovered_at: float
    last_seen: float
    online: bool = True
    needs_auth: bool = False
    server: str = ""
    codecs: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiscoveryScan:
    """What one discovery scan found, and how it went."""

    streams: tuple[DiscoveredStream, ...]
    started_at: float
    duration: float
    probed: int  # candidate URLs asked
    errors: tuple[str, ...] = ()


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
