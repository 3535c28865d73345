"""Frozen value objects of streams: a MediaMTX path's state, streams kept published, and
network cameras added at run time or found by discovery. No I/O here (``models`` holds the
cameras, notifications and the clock)."""

from __future__ import annotations

from dataclasses import dataclass, field


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
