"""What the MQTT integration reads and drives, as ``ports`` Protocols filled in by
``app.py``, and its counters."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from ..models import ComponentHealth
from ..ports import CameraDirectory, FileStore, Media, Recorder


class MotionControl(Protocol):
    """Turns motion detection on/off (issue 21); absent until it exists."""

    async def set_motion_enabled(self, camera_id: str, enabled: bool) -> None: ...


@dataclass
class MqttMetrics:
    connects: int = 0
    disconnects: int = 0
    published: int = 0
    dropped: int = 0  # not connected at the time (state is republished on connect)
    queue_overflows: int = 0
    commands: int = 0
    commands_refused: int = 0
    commands_failed: int = 0


@dataclass
class Sources:
    """What the integration reads and drives (``app.py`` fills it in)."""

    cameras: CameraDirectory
    stream_urls: Callable[[str], dict[str, str]]
    recording: Callable[[str], bool]  # manual or continuous recording running now
    components: Callable[[], Mapping[str, ComponentHealth]]
    media: Media | None = None
    files: FileStore | None = None
    recorder: Recorder | None = None
    motion: MotionControl | None = None
