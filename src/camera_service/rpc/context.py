"""What every RPC handler receives: the service's components as ``ports`` Protocols."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .. import __version__
from ..config.model import Config
from ..credentials import InternalCredentials
from ..errors import MediaMTXUnavailable, StorageError, Unsupported
from ..links import FileLinks, LinkSigner, public_base
from ..models import Clock, ComponentHealth
from ..ports import (
    CameraDirectory,
    ExternalStreams,
    FileStore,
    Media,
    Motion,
    Recorder,
    StreamDiscovery,
    Streams,
)
from .auth import Authenticator
from .metrics import ApiMetrics
from .present import config_stream_urls
from .session import Session

HealthCheck = Callable[[], ComponentHealth]


@dataclass
class RpcContext:
    """Built once by ``app.py``. ``streams``, ``media`` and ``files`` may be ``None`` while
    that component is not running; the methods that need it then answer -32050."""

    cameras: CameraDirectory
    config: Config
    streams: Streams | None = None
    media: Media | None = None
    files: FileStore | None = None
    clock: Clock = field(default_factory=Clock)
    started_at: float = -1.0  # wall time; -1 means "now"
    version: str = __version__
    metrics: ApiMetrics = field(default_factory=ApiMetrics)
    health: Mapping[str, HealthCheck] = field(default_factory=dict)  # extra components
    auth: Authenticator | None = None  # built from config.auth when not given
    api_health: HealthCheck | None = None  # set by the web server
    external: ExternalStreams | None = None  # add/remove network cameras at run time
    discovery: StreamDiscovery | None = None  # RTSP discovery
    internal: InternalCredentials | None = None  # MediaMTX stream auth (credentials.py)
    public_base: str | None = None  # absolute base of download links, set once the API listens
    sessions: Callable[[], list[Session]] | None = None  # the live connections' sessions (web server)
    video_encoder: Mapping[str, object] | None = None  # the H.264 encoder chosen, and why
    recorder: Recorder | None = None  # continuous/scheduled recording
    motion: Motion | None = None  # motion detection and events

    def __post_init__(self) -> None:
        if self.started_at < 0:
            self.started_at = self.clock.time()
        if self.auth is None:
            self.auth = Authenticator(self.config.auth, self.clock)

    @property
    def authenticator(self) -> Authenticator:
        assert self.auth is not None
        return self.auth

    def stream_urls(self, camera_id: str) -> dict[str, str]:
        if self.streams is not None:
            return self.streams.stream_urls(camera_id)
        return config_stream_urls(self.config, camera_id)

    def stream_name(self, camera_id: str) -> str:
        return self.streams.stream_name(camera_id) if self.streams is not None else camera_id

    def require_streams(self) -> Streams:
        if self.streams is None:
            raise MediaMTXUnavailable("the stream service is not running")
        return self.streams

    def require_media(self) -> Media:
        if self.media is None:
            raise Unsupported("media")
        return self.media

    def require_files(self) -> FileStore:
        if self.files is None:
            raise StorageError("the file store is not running")
        return self.files

    def require_recorder(self) -> Recorder:
        if self.recorder is None:
            raise Unsupported("continuous recording")
        return self.recorder

    def require_motion(self) -> Motion:
        if self.motion is None:
            raise Unsupported("motion detection")
        return self.motion

    def components(self) -> dict[str, ComponentHealth]:
        out: dict[str, ComponentHealth] = {}
        out["mediamtx"] = (
            self.streams.health()
            if self.streams is not None
            else ComponentHealth("mediamtx", False, "not running")
        )
        out["camera_monitor"] = self.cameras.health()
        out["api"] = self.api_health() if self.api_health else ComponentHealth("api", False, "not serving")
        for name, check in self.health.items():
            out[name] = check()
        return out

    def uptime(self) -> float:
        return max(0.0, self.clock.time() - self.started_at)

    def link_signer(self) -> LinkSigner:
        """Signs and checks download links with the key in force (it follows the JWT secret)."""
        return LinkSigner(self.authenticator.link_key(), self.config.server.link_ttl)

    def file_links(self) -> FileLinks:
        """Signed download links made now (see ``links``), on the public base."""
        s = self.config.server
        base = self.public_base or public_base(s.public_url, s.public_host, s.tls_cert is not None, s.port)
        return FileLinks(self.link_signer(), base, self.clock.time())
