"""What every RPC handler receives: the service's components as ``ports`` Protocols."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .. import __version__
from ..config.model import Config
from ..errors import MediaMTXUnavailable, StorageError, Unsupported
from ..models import Clock, ComponentHealth
from ..ports import CameraDirectory, FileStore, Media, Recorder, Streams
from .auth import Authenticator
from .metrics import ApiMetrics
from .present import config_stream_urls

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
    recorder: Recorder | None = None  # continuous/scheduled recording

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
