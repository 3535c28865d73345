"""What the API layer needs from the rest of the service, as Protocols.

The RPC methods and the web server depend only on these; ``app.py`` hands them the concrete
components (camera registry, MediaMTX streams, media service, file store). Each concrete
class lives in its own package and is tested there against real systems.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .models import Camera, CameraEvent, ComponentHealth
from .models_recordings import (
    CleanupResult,
    FileEntry,
    FileInfo,
    Recording,
    RetentionPolicy,
    Snapshot,
    StorageInfo,
)
from .models_streams import (
    DiscoveredStream,
    DiscoveryScan,
    ExternalStream,
    StreamReport,
    StreamStarted,
    StreamState,
    StreamStopped,
)
from .recording_modes import ModeSpec

if TYPE_CHECKING:
    from .media.event_store import StoredEvent
    from .media.timeline import Segment, Timeline
    from .motion.settings import MotionSpec


class CameraDirectory(Protocol):
    """The registry of cameras (``cameras.registry.CameraRegistry``)."""

    def cameras(self) -> list[Camera]: ...

    def get(self, camera_id: str) -> Camera:
        """Raises ``CameraNotFound``."""
        ...

    def subscribe(self, listener: Callable[[CameraEvent], None]) -> Callable[[], None]: ...

    def health(self) -> ComponentHealth: ...


class Streams(Protocol):
    """MediaMTX as the API sees it (``mediamtx.service.StreamService``)."""

    def health(self) -> ComponentHealth: ...

    def recheck(self) -> None:
        """Ask MediaMTX again soon (a client reads the health: a console whose stream
        stopped learns of MediaMTX's going and return within a poll or two); never blocks."""
        ...

    def stream_urls(self, camera_id: str) -> dict[str, str]:
        """``{"rtsp": ..., "webrtc": ..., "hls": ...}`` on the configured public host."""
        ...

    def stream_name(self, camera_id: str) -> str: ...

    async def stream_status(self, camera_id: str) -> StreamState:
        """Raises ``MediaMTXUnavailable`` / ``MediaMTXError``; a path that MediaMTX does not
        have yet is reported with ``ready=False``."""
        ...

    async def streams(self) -> list[StreamState]: ...

    async def start_streaming(self, camera: Camera) -> StreamStarted:
        """Keep the camera's stream published until ``stop_streaming`` or its auto close;
        raises ``MediaMTXUnavailable``, ``CameraUnavailable``."""
        ...

    async def stop_streaming(self, camera_id: str) -> StreamStopped:
        """Raises ``InvalidState("not_streaming")`` when the stream is not kept."""
        ...

    async def stream_report(self, camera: Camera) -> StreamReport:
        """Raises ``MediaMTXUnavailable`` / ``MediaMTXError``."""
        ...


class Media(Protocol):
    """Snapshots and recordings (``media.service.MediaService``)."""

    async def take_snapshot(self, camera: Camera, filename: str | None) -> Snapshot: ...

    async def start_recording(
        self, camera: Camera, duration: float | None, fmt: str | None
    ) -> Recording: ...

    async def stop_recording(self, camera_id: str) -> Recording:
        """Raises ``InvalidState("not_recording", ...)``."""
        ...

    def active_recordings(self) -> list[Recording]: ...


class FileStore(Protocol):
    """Snapshot and recording folders (``media.storage.Storage``). ``kind`` is
    ``"snapshots"`` or ``"recordings"``."""

    async def list_files(self, kind: str, limit: int, offset: int) -> tuple[list[FileEntry], int]: ...

    async def file_info(self, kind: str, filename: str) -> FileInfo: ...

    async def delete_file(self, kind: str, filename: str) -> None: ...

    async def resolve(self, kind: str, filename: str) -> Path:
        """The real path of an existing file inside the folder; raises ``InvalidParams`` for
        a name that is not a plain file name and ``FileNotFound`` when it does not exist."""
        ...

    async def storage_info(self) -> StorageInfo: ...

    def retention_policy(self) -> RetentionPolicy: ...

    async def set_retention_policy(self, policy: RetentionPolicy) -> RetentionPolicy:
        """Saves the policy, then puts it in force; raises ``InvalidParams`` for an invalid
        policy and ``StorageError`` when it cannot be saved (the policy in force stays)."""
        ...

    async def cleanup(self) -> CleanupResult:
        """``executed`` is false, with a ``reason``, when the policy is disabled."""
        ...


class ExternalStreams(Protocol):
    """Network cameras added at run time (``cameras.runtime_streams.RuntimeStreams``)."""

    def external_streams(self) -> list[ExternalStream]: ...

    async def add_stream(self, url: str, name: str | None, stream_type: str | None) -> ExternalStream:
        """Raises ``InvalidParams`` (bad or duplicate URL) and ``StorageError`` (not saved,
        not added)."""
        ...

    async def remove_stream(self, url: str) -> ExternalStream:
        """Raises ``ExternalStreamNotFound`` and ``StorageError`` (not saved, not removed)."""
        ...


class StreamDiscovery(Protocol):
    """RTSP discovery (``cameras.discovery.StreamDiscovery``)."""

    scan_interval: int

    async def discover(self, force: bool = False) -> DiscoveryScan: ...

    def known(self) -> list[DiscoveredStream]: ...

    def set_interval(self, seconds: int) -> int:
        """Raises ``InvalidParams`` outside 0 or the allowed range."""
        ...


class Recorder(Protocol):
    """Continuous and scheduled recording (``media.recorder.Recorder``)."""

    def spec_for(self, camera_id: str) -> ModeSpec: ...

    def subscribe_modes(self, listener: Callable[[str, ModeSpec], None]) -> Callable[[], None]:
        """``listener(camera_id, spec)`` after each change of a camera's mode (``set_mode``,
        once saved, or a reload), recording or not; returns the unsubscribe function."""
        ...

    def mode_source(self, camera_id: str) -> str:
        """``api`` (set at run time), ``config`` (a per-camera override) or ``default``."""
        ...

    async def set_mode(self, camera_id: str, changes: dict[str, Any]) -> ModeSpec:
        """Saves, then applies; raises ``InvalidParams`` naming the bad key, ``StorageError``
        when it cannot be saved (the mode in force stays)."""
        ...

    def state(self, camera_id: str) -> dict[str, Any]: ...

    def timeline(self, camera_id: str, frm: float | None, to: float | None) -> Timeline: ...

    def segments(self, camera_id: str, frm: float, to: float) -> list[Segment]:
        """The camera's recorded files (segments, motion clips) that overlap ``[frm, to]``."""
        ...


class Motion(Protocol):
    """Motion detection and its events (``motion.service.MotionService``)."""

    def spec_for(self, camera_id: str) -> MotionSpec: ...

    def source(self, camera_id: str) -> str:
        """``api`` (set at run time), ``config`` (a per-camera override) or ``default``."""
        ...

    def state(self, camera_id: str) -> str: ...

    def detectors(self) -> dict[str, dict[str, Any]]:
        """Per camera: ``state`` (off, starting, running, failed), ``reason``, ``fps``, ``frames``."""
        ...

    def active_event(self, camera_id: str) -> StoredEvent | None: ...

    async def set_config(self, camera_id: str, changes: dict[str, Any]) -> MotionSpec:
        """Saves, then applies; ``InvalidParams`` names the bad key."""
        ...

    async def list_events(
        self, camera: str | None, since: float | None, until: float | None, limit: int, offset: int
    ) -> tuple[list[StoredEvent], int]: ...

    async def get_event(self, event_id: str) -> StoredEvent:
        """Raises ``FileNotFound``."""
        ...

    async def delete_event(self, event_id: str) -> StoredEvent: ...

    def picture_path(self, name: str) -> Path: ...
