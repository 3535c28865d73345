"""A running ``Recorder`` over real storage, a real camera registry and the real bus, for the
continuous-recording tests; and a clock the test moves."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from camera_service.cameras.registry import CameraRegistry
from camera_service.config.model import RecordingConfig, StorageConfig
from camera_service.events import EventBus
from camera_service.media.recorder import Recorder
from camera_service.media.storage import Storage
from camera_service.models import Camera, Clock, Notification
from camera_service.recording_modes import ModeSpec

from .helpers import Collector, network_camera


class MovableClock(Clock):
    """Real time plus an offset the test sets and moves (wall time only; monotonic time
    stays real, so timeouts and back-off are not affected)."""

    def __init__(self, wall: float | None = None) -> None:
        self.offset = 0.0 if wall is None else wall - time.time()

    def time(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class RecorderEnv:
    config: StorageConfig
    registry: CameraRegistry
    recorder: Recorder
    events: Collector
    clock: Clock

    @property
    def recordings(self) -> Path:
        return self.config.recordings_dir

    def statuses(self) -> list[str]:
        return [str(p["status"]) for p in self.events.recording()]


@contextlib.asynccontextmanager
async def recorder_env(
    config: StorageConfig,
    url: str,
    spec: ModeSpec,
    clock: Clock | None = None,
    start_timeout: float = 15.0,
    camera: Camera | None = None,
    more: Sequence[Camera] = (),
    modes: Mapping[str, ModeSpec] | None = None,
) -> AsyncIterator[RecorderEnv]:
    """``more`` cameras join the first; ``modes`` are per-camera modes (``spec`` the default)."""
    bus: EventBus[Notification] = EventBus()
    events = Collector(bus)
    registry = CameraRegistry()
    for cam in (camera or network_camera(url), *more):
        registry.upsert(cam)
    clock = clock or Clock()
    async with Storage(config, clock) as storage:
        rec_config = RecordingConfig(default=spec, cameras=dict(modes or {}), retry_min=0.25, retry_max=1.0)
        recorder = Recorder(rec_config, storage, registry, bus, lambda c: c.source_url or "", clock,
                            tick=0.25, disk_interval=0.25, start_timeout=start_timeout)  # fmt: skip
        async with recorder:
            yield RecorderEnv(config, registry, recorder, events, clock)
