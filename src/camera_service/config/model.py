"""The effective configuration as frozen dataclasses. Defaults live here; validation lives in
``schema.py``. Durations are seconds, sizes are bytes unless the name says otherwise."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from ..motion.settings import MotionSpec
from ..recording_modes import ModeSpec

DEFAULT_CONFIG_PATH = Path("/etc/camera-service/config.yaml")
STATE_DIR = Path("/var/lib/camera-service")


@dataclass(frozen=True)
class ServerConfig:
    host: str = "0.0.0.0"
    port: int = 8002
    public_host: str = "localhost"
    tls_cert: Path | None = None
    tls_key: Path | None = None
    max_connections: int = 100
    max_message_size: int = 1024 * 1024
    allowed_origins: tuple[str, ...] = ()
    rate_limit: float = 200.0  # requests per second per connection (token bucket rate); 0: no limit
    rate_burst: int = 400
    send_queue_size: int = 256
    ping_interval: float = 20.0
    ping_timeout: float = 20.0
    shutdown_timeout: float = 10.0
    public_url: str | None = None  # base of download links; None = http(s)://public_host:port
    link_ttl: int = 4 * 3600  # seconds a signed download link stays valid (at least)
    # before `authenticate` (web/admission.py): counted apart from max_connections
    auth_timeout: float = 10.0  # seconds to authenticate, else closed (4001)
    unauthenticated_max_connections: int = 64  # in all; the oldest is closed for a newcomer
    unauthenticated_per_address: int = 16  # per peer address (IPv6: per /64)
    unauthenticated_max_messages: int = 16  # frames before authenticating
    unauthenticated_max_message_size: int = 16 * 1024  # bytes of one frame before authenticating
    # Host names requests may carry besides host, public_host, public_url's and loopback's
    # (web/hosts.py: a page on another name that resolves here, DNS rebinding, is refused)
    allowed_hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuthConfig:
    jwt_secret: str | None = field(default=None, repr=False)
    jwt_secret_file: Path | None = None
    api_key_file: Path | None = None
    token_expiry: int = 3600


@dataclass(frozen=True)
class MediaMTXConfig:
    api_url: str = "http://127.0.0.1:9997"
    api_user: str | None = None
    api_password: str | None = field(default=None, repr=False)
    rtsp_port: int = 8554
    webrtc_port: int = 8889
    hls_port: int = 8888
    request_timeout: float = 5.0
    health_interval: float = 2.0
    reconcile_interval: float = 5.0
    unit: str = "mediamtx.service"
    video_encoder: str = "auto"  # auto: h264_v4l2m2m, h264_vaapi or libx264, as the host has
    start_timeout: float = 10.0
    close_after: float = 10.0
    stream_auth: str = "service"  # service: MediaMTX asks us (web/stream_auth.py); none
    stream_keepalive: float = 3600.0  # start_streaming keeps a stream this long (auto_close_after)
    vaapi_device: str = ""  # h264_vaapi's render node ("": the first that encodes H.264)
    system_user: str = "mediamtx"  # who runs MediaMTX (its publishers ask for credentials)


@dataclass(frozen=True)
class NetworkCameraConfig:
    url: str = field(repr=False)
    name: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class TestPatternConfig:
    __test__ = False  # not a pytest test class

    enabled: bool | str = False  # True, False or "auto" (only when no device is found)
    width: int = 1280
    height: int = 720
    fps: int = 15


# RFC 1918 and IPv6 unique local addresses: where operators may point the service by default
DEFAULT_EXTERNAL_ALLOW = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")

DISCOVERY_MIN_INTERVAL = 5  # seconds between scheduled discovery scans (0 = no schedule)
DISCOVERY_MAX_INTERVAL = 7 * 86400


@dataclass(frozen=True)
class DiscoveryConfig:
    """RTSP discovery (``discover_external_streams``): which hosts, ports and paths are
    asked with a DESCRIBE; it never adds cameras by itself."""

    enabled: bool = False
    hosts: tuple[str, ...] = ()  # names, addresses or CIDR ranges
    ports: tuple[int, ...] = (554, 8554)
    paths: tuple[str, ...] = ("/", "/live", "/stream")
    skydio_ports: tuple[int, ...] = (5554,)
    skydio_paths: tuple[str, ...] = ("/subject", "/infrared")
    concurrency: int = 32  # DESCRIBEs in flight at once
    timeout: float = 2.0  # per connection and per reply (s)
    scan_timeout: float = 20.0  # the whole scan (s), below a client's usual 30 s wait
    scan_interval: int = 0  # seconds between scheduled scans; 0 = only on request
    max_hosts: int = 1024  # cap on the addresses of all ranges together


@dataclass(frozen=True)
class ExternalConfig:
    """``cameras.external``: where streams added at run time (``add_external_stream``) may
    connect. ``allow`` is a list of CIDR ranges every address of the stream's host must lie
    in; loopback and link-local only when listed (``cameras/address_policy.py``)."""

    allow: tuple[str, ...] = DEFAULT_EXTERNAL_ALLOW


@dataclass(frozen=True)
class CsiCameraConfig:
    """``cameras.csi.<cameraN>``: the mode of one CSI (Raspberry Pi) camera; ``None`` takes
    the sensor's default."""

    width: int | None = None
    height: int | None = None
    fps: float | None = None
    hdr: bool = False
    rotation: int = 0  # 0 or 180: libcamera flips, it cannot turn by 90
    index: int | None = None  # rpiCameraCamID, where libcamera's order differs from the guess


@dataclass(frozen=True)
class RecordingConfig:
    """``cameras.recording``: the mode every camera gets (``default``), per-camera overrides
    (``cameras``), and how the recorder retries and applies per-camera retention. A mode set
    at run time (``set_recording_mode``, saved in the state folder) wins over both."""

    default: ModeSpec = field(default_factory=ModeSpec)
    cameras: Mapping[str, ModeSpec] = field(default_factory=lambda: MappingProxyType({}))
    retry_min: float = 0.5  # back-off after a failed attempt: doubles up to retry_max
    retry_max: float = 1.0
    retention_interval: float = 60.0
    # mode "motion": each camera's rolling pre-capture buffer (state_dir/motion-buffer) is
    # kept within this size (MB); it holds what pre_capture needs, about a second a piece
    buffer_mb: float = 32.0

    def spec_for(self, camera_id: str) -> ModeSpec:
        return self.cameras.get(camera_id, self.default)


@dataclass(frozen=True)
class MotionConfig:
    """``cameras.motion``: the motion settings every camera gets (``default``) and per-camera
    overrides (``cameras``); a setting made at run time (``set_motion_config``, saved in the
    state folder) wins over both."""

    default: MotionSpec = field(default_factory=MotionSpec)
    cameras: Mapping[str, MotionSpec] = field(default_factory=lambda: MappingProxyType({}))
    retain_days: float = 30.0  # events (and the recordings holding them) are kept this long

    def spec_for(self, camera_id: str) -> MotionSpec:
        return self.cameras.get(camera_id, self.default)


@dataclass(frozen=True)
class CamerasConfig:
    udev: bool = True
    include: tuple[str, ...] = ("/dev/video*",)
    exclude: tuple[str, ...] = ()
    max_width: int = 1920
    max_height: int = 1080
    min_fps: float = 15.0
    probe_timeout: float = 5.0
    debounce: float = 0.0  # extra wait (s) before handling a batch of uevents; 0 = at once
    network: tuple[NetworkCameraConfig, ...] = ()
    network_probe_interval: float = 10.0
    network_probe_max_backoff: float = 60.0
    test_pattern: TestPatternConfig = field(default_factory=TestPatternConfig)
    names: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    discovery: DiscoveryConfig = field(default_factory=DiscoveryConfig)
    external: ExternalConfig = field(default_factory=ExternalConfig)
    csi: Mapping[str, CsiCameraConfig] = field(default_factory=lambda: MappingProxyType({}))
    recording: RecordingConfig = field(default_factory=RecordingConfig)
    motion: MotionConfig = field(default_factory=MotionConfig)


@dataclass(frozen=True)
class RetentionConfig:
    enabled: bool = False
    policy_type: str = "age"
    max_age_days: float = 30.0
    max_size_gb: float = 10.0
    interval: float = 3600.0


@dataclass(frozen=True)
class StorageConfig:
    state_dir: Path = STATE_DIR
    snapshots_dir: Path = STATE_DIR / "snapshots"
    recordings_dir: Path = STATE_DIR / "recordings"
    min_free_mb: int = 500
    low_space_percent: float = 90.0
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    snapshot_quality: int = 3  # ffmpeg -q:v, 2 (best) .. 31
    snapshot_max_width: int = 0  # 0 = camera size
    snapshot_timeout: float = 15.0
    # keep each connected camera's last key frame decoded (media/keyframes.py): a snapshot
    # copies it when younger than snapshot_keyframe_max_age instead of waiting for the next
    snapshot_keyframes: bool = False
    snapshot_keyframe_max_age: float = 3.0
    # hold each connected camera's current GOP (media/preroll.py): a one-file fmp4 recording
    # starts from its last key frame, its first media on disk at once
    recording_preroll: bool = False
    recording_format: str = "fmp4"
    segment_seconds: int = 0  # 0 = one file per recording
    stop_timeout: float = 10.0


@dataclass(frozen=True)
class LoggingConfig:
    level: str = "INFO"
    target: str = "auto"  # auto | journald | console


MQTT_COMMANDS = ("snapshot", "recording", "recording_mode", "motion")


@dataclass(frozen=True)
class MqttTlsConfig:
    """``mqtt.tls``: ``ca`` (None: the system's CAs), a client ``cert`` and ``key``."""

    ca: Path | None = None
    cert: Path | None = None
    key: Path | None = None


@dataclass(frozen=True)
class MqttConfig:
    """``mqtt``: the MQTT / Home Assistant integration (``camera_service.mqtt``); off by
    default. ``base_topic`` and ``client_id`` default to this host's name (set by the loader)."""

    enabled: bool = False
    host: str = "localhost"
    port: int = 1883
    tls: MqttTlsConfig | None = None
    username: str | None = None
    password_file: Path | None = None
    password: str | None = field(default=None, repr=False)  # read from password_file
    client_id: str = "camera-service"
    base_topic: str = "camera-service"
    qos: int = 1
    keepalive: int = 30
    discovery: bool = True
    discovery_prefix: str = "homeassistant"
    commands: tuple[str, ...] = ()  # allow-list of MQTT_COMMANDS; none by default
    reconnect_min: float = 1.0  # back-off between attempts doubles from here...
    reconnect_max: float = 60.0  # ...up to here
    snapshot_max_bytes: int = 4 * 1024 * 1024  # a bigger JPEG is not published


@dataclass(frozen=True)
class Config:
    server: ServerConfig = field(default_factory=ServerConfig)
    auth: AuthConfig = field(default_factory=AuthConfig)
    mediamtx: MediaMTXConfig = field(default_factory=MediaMTXConfig)
    cameras: CamerasConfig = field(default_factory=CamerasConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    mqtt: MqttConfig = field(default_factory=MqttConfig)
    source: Path | None = None  # the file it was read from
