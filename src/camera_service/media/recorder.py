"""Continuous, scheduled and motion recording of every camera (``ports.Recorder``).

``Recorder`` runs one ``CameraWorker`` per camera in the registry, watches the free space
where it writes (``disk_watch``: a camera pauses while a folder it writes to has less than
``storage.min_free_mb`` free, and resumes once space is back, whether retention or a user
freed it; ``disk_space`` says which), applies per-camera retention,
and answers the API: the mode of a camera (``set_mode`` saves it in the state folder
before it is applied, so a restart or a crash keeps it) and its timeline. Every change of a
camera's mode — ``set_mode`` (the API, MQTT) or a reload that changes the configured mode of
a camera without one of its own — is told at once to the ``subscribe_modes`` listeners (the
MQTT integration's retained mode), whether or not recording starts or stops with it.

At start it recovers the segments of runs a crash left unrecorded (their ffmpeg list file
is still there: the lifeline let ffmpeg finish the open segment) and notes the outage.
Leaving the context finishes every segment gracefully (bounded) before returning.

In mode ``motion`` the camera's run writes the pre-capture buffer instead, and ``buffer``
(``motion_clips.MotionBuffer``, fed with the ``motion_event`` notifications of the bus)
makes a recording around each event; the app sets ``buffer.capture_for`` (the camera's
motion settings). The buffer's free space is checked too: a camera in mode ``motion``
pauses when the buffer's or the recordings folder's is low, the other modes only for the
recordings folder's (one state when both are on one filesystem).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config.model import RecordingConfig
from ..errors import CameraNotFound, InvalidParams
from ..events import EventBus
from ..lifecycle import Component
from ..models import (
    Camera,
    CameraEvent,
    CameraEventKind,
    Clock,
    ComponentHealth,
    Notification,
)
from ..ports import CameraDirectory
from ..recording_modes import ModeSpec, spec_from_mapping, wanted
from . import recorder_policy as policy
from . import recorder_upkeep as upkeep
from . import timeline as tl
from .continuous import CameraWorker
from .disk_space import BUFFER, MB, RECORDINGS, DiskState
from .disk_watch import DiskWatch
from .motion_clips import BUFFER_DIR, MotionBuffer
from .recording_store import RecordingStore
from .segment_sinks import JournalSink, SegmentSink
from .storage import Storage

log = logging.getLogger(__name__)
APPLY_WAIT = 3.0  # seconds set_mode waits for the worker to apply a new mode


class Recorder(Component):
    def __init__(
        self,
        config: RecordingConfig,
        storage: Storage,
        cameras: CameraDirectory,
        bus: EventBus[Notification],
        reader_url: Callable[[Camera], str],
        clock: Clock | None = None,
        *,
        foreign: Callable[[Path], bool] = lambda p: False,
        tick: float = 0.5,
        disk_interval: float = 1.0,
        start_timeout: float = 15.0,
        io_timeout: float = 10.0,
    ) -> None:
        self.config = config
        self.storage = storage
        self.cameras = cameras
        self.bus = bus
        self.reader_url = reader_url
        self.clock = clock or Clock()
        self.foreign = foreign
        self.tick = tick
        self.disk_interval = disk_interval
        self.start_timeout = start_timeout
        self.io_timeout = io_timeout
        self.stop_timeout = storage.config.stop_timeout
        self.directory = storage.config.recordings_dir
        self.backoff = policy.Backoff(config.retry_min, config.retry_max)
        self.store = RecordingStore(storage.config.state_dir)
        self.workers: dict[str, CameraWorker] = {}
        self.buffer = MotionBuffer(
            storage.config.state_dir / BUFFER_DIR, self.directory, self.store, bus.publish,
            self.spec_for, max_bytes=int(config.buffer_mb * MB),
        )  # fmt: skip
        self.disks = DiskWatch({RECORDINGS: self.directory, BUFFER: self.buffer.directory},
                               storage.config.min_free_mb)  # fmt: skip
        self._loops: list[asyncio.Task[None]] = []
        self._unsubscribe: Callable[[], None] | None = None
        self._unsubscribe_bus: Callable[[], None] | None = None
        self._mode_changes: EventBus[tuple[str, ModeSpec]] = EventBus()
        storage.add_busy_check(self.is_busy)

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        await self.storage.start()
        await self.store.load()
        await self._recover()
        await self.buffer.start(self.clock.time)
        self._unsubscribe_bus = self.bus.subscribe(self.buffer.on_notification)
        await self._check_disk()
        self._unsubscribe = self.cameras.subscribe(self.on_camera_event)
        for camera in self.cameras.cameras():
            self._worker(camera.id)
        self._loops = [
            asyncio.create_task(self._disk_loop(), name="recorder disk watch"),
            asyncio.create_task(self._retention_loop(), name="recorder retention"),
        ]

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        for task in self._loops:
            task.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)
        workers = list(self.workers.values())
        await asyncio.gather(*(w.close("service stopping") for w in workers), return_exceptions=True)
        self.workers.clear()
        if self._unsubscribe_bus is not None:
            self._unsubscribe_bus()
        await self.buffer.stop()
        await self.store.save_journal()

    def health(self) -> ComponentHealth:
        """A camera in mode ``motion`` whose run only fills the pre-capture buffer is
        "buffering for motion", not recording (as ``is_recording`` says)."""
        running = [w for w in self.workers.values() if w.phase is policy.Phase.RECORDING]
        recording = sum(w.journaled or self.buffer.capturing(w.camera_id) for w in running)
        faults = (policy.Phase.RETRYING, policy.Phase.WAITING_CAMERA, policy.Phase.PAUSED_DISK)
        failing = [w.camera_id for w in self.workers.values() if w.phase in faults]
        if failing:
            return ComponentHealth("recorder", False, "degraded", f"not recording: {', '.join(failing)}")
        buffering = len(running) - recording
        detail = f"{recording} camera(s) recording"
        if buffering:
            detail += f", {buffering} buffering for motion"
        return ComponentHealth("recorder", True, "ok", detail)

    def _worker(self, camera_id: str) -> CameraWorker:
        worker = self.workers.get(camera_id)
        if worker is None:
            worker = self.workers[camera_id] = CameraWorker(self, camera_id)
            worker.task = asyncio.create_task(self._guarded(worker), name=f"{camera_id} recorder")
        return worker

    async def _guarded(self, worker: CameraWorker) -> None:
        while True:
            try:
                await worker.loop()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s: recorder loop failed; restarting it", worker.camera_id)
                await asyncio.sleep(1.0)

    def on_camera_event(self, event: CameraEvent) -> None:
        worker = self._worker(event.camera.id)
        was = event.previous.connected if event.previous is not None else False
        if event.kind is not CameraEventKind.REMOVED and event.camera.connected and not was:
            worker.camera_changed()
        worker.wake.set()

    def publish(self, n: Notification) -> None:
        self.bus.publish(n)

    def reload(self, config: RecordingConfig) -> None:
        """A new ``cameras.recording`` (SIGHUP): in force at each worker's next pass."""
        if config == self.config:
            return
        before = {c: self.spec_for(c) for c in list(self.workers)}
        self.config = config
        self.backoff = policy.Backoff(config.retry_min, config.retry_max)
        self.buffer.max_bytes = int(config.buffer_mb * MB)
        log.info("recording configuration reloaded", extra={"COMPONENT": "media"})
        for w in self.workers.values():
            w.wake.set()
        for camera_id, spec in before.items():
            if (now := self.spec_for(camera_id)) != spec:  # not one set through the API
                self._mode_changes.publish((camera_id, now))

    def is_recording(self, camera_id: str) -> bool:
        """Is the camera being recorded (a motion buffer alone is not a recording)?"""
        w = self.workers.get(camera_id)
        if w is None or w.run is None:
            return False
        return w.journaled or self.buffer.capturing(camera_id)

    def is_busy(self, path: Path) -> bool:
        return any(w.run is not None and w.run.owns_open(path) for w in list(self.workers.values()))

    # --- modes -------------------------------------------------------------------------

    def subscribe_modes(self, listener: Callable[[str, ModeSpec], None]) -> Callable[[], None]:
        """``listener(camera_id, spec)`` on the loop after each change of a mode (saved
        first); it must not block. Returns the unsubscribe function."""
        return self._mode_changes.subscribe(lambda change: listener(*change))

    def spec_for(self, camera_id: str) -> ModeSpec:
        return self.store.modes.get(camera_id) or self.config.spec_for(camera_id)

    def wanted(self, camera_id: str, spec: ModeSpec, now: float) -> tuple[bool, str]:
        """Should the camera's ffmpeg run now, and if not why not."""
        if spec.mode == "motion":
            on = self.buffer.capture_for(camera_id).enabled
            return on, "" if on else "motion detection off"
        return wanted(spec, now), "mode off" if spec.mode == "off" else "outside the schedule"

    def disk_for(self, spec: ModeSpec) -> DiskState:
        """Is there room where a camera in this mode writes (and if not why not)."""
        return self.disks.for_camera(spec.mode)

    def sink_for(self, camera_id: str, spec: ModeSpec) -> SegmentSink:
        if spec.mode == "motion":
            return self.buffer.sink(camera_id)
        return JournalSink(camera_id, self.directory, self.store)

    def mode_source(self, camera_id: str) -> str:
        if camera_id in self.store.modes:
            return "api"
        return "config" if camera_id in self.config.cameras else "default"

    async def set_mode(self, camera_id: str, changes: dict[str, Any]) -> ModeSpec:
        try:
            spec = spec_from_mapping(changes, self.spec_for(camera_id))
        except ValueError as e:
            key = str(e).partition(": ")[0]
            raise InvalidParams(key.split(".")[0].split("[")[0], str(e)) from None
        await self.store.save_modes({**self.store.modes, camera_id: spec})
        log.info("%s: recording mode set to %s", camera_id, spec.mode,
                 extra={"CAMERA_ID": camera_id, "COMPONENT": "media"})  # fmt: skip
        self._mode_changes.publish((camera_id, spec))
        # the answer shows the new mode in force (recording started or stopped), bounded
        await self._worker(camera_id).applied(APPLY_WAIT)
        return spec

    def state(self, camera_id: str) -> dict[str, Any]:
        w = self.workers.get(camera_id)
        run = w.run if w is not None and w.journaled else None  # a buffer piece is no recording
        return {
            "phase": w.phase.value if w is not None and w.phase is not None else "idle",
            "status": policy.status_of(w.phase) if w is not None and w.phase is not None else "STOPPED",
            "reason": w.reason if w is not None else "",
            "since": w.since if w is not None else None,
            "current_file": run.open_name if run is not None else None,
            "buffer": self.buffer.state(camera_id) if self.spec_for(camera_id).mode == "motion" else None,
        }

    def _segments(self, camera_id: str) -> list[tl.Segment]:
        segments = list(self.store.camera(camera_id).segments)
        w = self.workers.get(camera_id)
        if w is not None and w.run is not None and w.journaled and (seg := w.run.open_segment()):
            segments.append(seg)
        return segments

    def segments(self, camera_id: str, frm: float, to: float) -> list[tl.Segment]:
        return sorted((s for s in self._segments(camera_id) if s.end > frm and s.start < to),
                      key=lambda s: (s.start, s.name))  # fmt: skip

    def timeline(self, camera_id: str, frm: float | None, to: float | None) -> tl.Timeline:
        journal = self.store.camera(camera_id)
        segments = self._segments(camera_id)
        now = self.clock.time()
        frm = frm if frm is not None else (segments[0].start if segments else now)
        return tl.build(segments, journal.transitions, frm, to if to is not None else now,
                        tl.frame_tolerance(self._fps(camera_id)))  # fmt: skip

    def _fps(self, camera_id: str) -> float | None:
        try:
            mode = self.cameras.get(camera_id).mode
        except CameraNotFound:
            return None
        return mode.fps if mode is not None else None

    # --- disk --------------------------------------------------------------------------

    async def _check_disk(self) -> None:
        """Below ``min_free_mb`` where a camera writes: it pauses (``disk_for``)."""
        if await self.disks.check():
            for w in self.workers.values():
                w.wake.set()

    async def _disk_loop(self) -> None:
        while True:
            await asyncio.sleep(self.disk_interval)
            await self._check_disk()

    # --- retention ---------------------------------------------------------------------

    async def _retention_loop(self) -> None:
        while True:
            await asyncio.sleep(max(1.0, self.config.retention_interval))
            try:
                await self.apply_retention()
            except Exception:
                log.exception("per-camera retention failed")

    async def apply_retention(self) -> int:
        """Delete each camera's oldest segments beyond its own retention, never the open
        one; returns how many files were deleted (``recorder_upkeep.apply_retention``)."""
        specs = {cam: self.spec_for(cam) for cam in list(self.workers)}
        def kept(path: Path) -> bool:  # being written, or holding a motion event
            return self.is_busy(path) or self.storage.keeps(path)

        return await upkeep.apply_retention(self.directory, specs, self.store, kept, self.clock)

    async def _recover(self) -> None:
        await upkeep.recover(self.directory, self.store, self.clock)
