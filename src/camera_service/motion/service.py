"""Motion detection for every camera (``ports.Motion``): settings, workers, events.

``MotionService`` keeps the motion settings (``cameras.motion``, overridden per camera by
``set_motion_config``, saved in ``state_dir/motion.json``), runs one ``MotionWorker`` per
camera (``motion.worker``), and answers the event methods from the SQLite store
(``media.event_store``); the pictures are in ``state_dir/events``. Events left open by a
crash are closed when the store opens (``recovered``), and announced as ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config.model import MotionConfig
from ..errors import InvalidParams, InvalidState, StorageError
from ..events import EventBus
from ..lifecycle import Component
from ..media.event_store import EventStore, StoredEvent
from ..media.filenames import parse_device, parse_time
from ..models import Camera, CameraEvent, Clock, ComponentHealth, Notification
from ..motion.health import camera_health
from ..motion.settings import MotionSpec, decode, encode, spec_from_mapping
from ..ports import CameraDirectory
from ..statefile import read_state, write_atomically
from ..waits import bounded, cancel_and_wait
from .worker import MotionWorker, notification

log = logging.getLogger(__name__)
SETTINGS_FILE = "motion.json"
PICTURES_DIR = "events"
STOP_TIMEOUT = 8.0
DAY = 86400.0
PRUNE_INTERVAL = 3600.0


class MotionService(Component):
    def __init__(
        self,
        config: MotionConfig,
        state_dir: Path,
        cameras: CameraDirectory,
        bus: EventBus[Notification],
        reader_url: Callable[[Camera], str],
        clock: Clock | None = None,
    ) -> None:
        self.config = config
        self.cameras = cameras
        self.bus = bus
        self.reader_url = reader_url
        self.clock = clock or Clock()
        self.settings_path = state_dir / SETTINGS_FILE
        self.pictures_dir = state_dir / PICTURES_DIR
        self.store = EventStore(state_dir)
        self.overrides: dict[str, MotionSpec] = {}
        self.workers: dict[str, MotionWorker] = {}
        self._unsubscribe: Callable[[], None] | None = None
        self._clips: dict[str, tuple[str, float, float]] = {}  # event id: camera, clip span
        self._prune_task: asyncio.Task[None] | None = None
        self._pruning = asyncio.Lock()  # one pass at a time: a caller's ends after the hourly one

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, lambda: self.pictures_dir.mkdir(parents=True, exist_ok=True))
        except OSError as e:
            raise StorageError(f"cannot make {self.pictures_dir}: {e.strerror or e}") from e
        try:
            self.overrides = await loop.run_in_executor(
                None, read_state, self.settings_path, decode, {}, self._corrupt
            )
        except OSError as e:
            raise StorageError(f"cannot read {self.settings_path}: {e.strerror or e}") from e
        await self.store.__aenter__()
        for event in self.store.recovered:
            log.warning("%s: motion event %s was open when the service stopped; closed",
                        event.camera, event.id, extra={"CAMERA_ID": event.camera, "COMPONENT": "motion"})
            self.publish(notification(event, "ended"))
        for event in await self.store.since(self.clock.time() - self.config.retain_days * DAY):
            self._remember(event)
        self._unsubscribe = self.cameras.subscribe(self.on_camera_event)
        for camera in self.cameras.cameras():
            self._worker(camera.id)
        self._prune_task = asyncio.create_task(self._prune_loop(), name="motion events retention")

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._prune_task is not None:
            self._prune_task.cancel()
            await asyncio.gather(self._prune_task, return_exceptions=True)
        tasks = [w.task for w in self.workers.values() if w.task is not None]
        # bounded: a task cancelled while Python starts its ffmpeg may wait for it
        await asyncio.gather(*(cancel_and_wait(task, STOP_TIMEOUT) for task in tasks))
        for worker in self.workers.values():
            with contextlib.suppress(Exception):
                await bounded(worker.close("service stopping"), 5.0)
        self.workers.clear()
        await self.store.__aexit__(None, None, None)

    def _corrupt(self, reason: str, where: str) -> None:
        log.error("%s is not valid (%s) and was %s; using the configuration",
                  self.settings_path, reason, where, extra={"COMPONENT": "motion"})  # fmt: skip

    def health(self) -> ComponentHealth:
        running = [c for c, w in self.workers.items() if w.reason == "detecting"]
        failing = [c for c, w in self.workers.items() if w.reason.startswith("retrying")]
        if failing:
            return ComponentHealth("motion", False, "degraded", f"not detecting: {', '.join(failing)}")
        return ComponentHealth("motion", True, "ok", f"{len(running)} camera(s) detecting")

    def detectors(self) -> dict[str, dict[str, Any]]:
        """Each camera's detector: ``state`` (off, starting, running, failed), ``reason``
        (why it failed), ``fps`` (frames a second it looked at lately), ``frames``."""
        now = time.monotonic()
        return {
            camera_id: camera_health(w.reason, w.rate.rate(now), w.frames)
            for camera_id, w in sorted(self.workers.items())
        }

    # --- workers -------------------------------------------------------------------------

    def _worker(self, camera_id: str) -> MotionWorker:
        worker = self.workers.get(camera_id)
        if worker is None:
            worker = self.workers[camera_id] = MotionWorker(self, camera_id)
            worker.task = asyncio.create_task(self._guarded(worker), name=f"{camera_id} motion")
        return worker

    async def _guarded(self, worker: MotionWorker) -> None:
        while True:
            try:
                await worker.run()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s: motion loop failed; restarting it", worker.camera_id)
                await asyncio.sleep(1.0)

    def on_camera_event(self, event: CameraEvent) -> None:
        self._worker(event.camera.id).wake.set()

    def publish(self, n: Notification) -> None:
        self.bus.publish(n)

    async def save(self, event: StoredEvent) -> None:
        self._remember(event)
        try:
            await self.store.save(event)
        except StorageError as e:
            log.error("%s: cannot save motion event %s: %s", event.camera, event.id, e,
                      extra={"CAMERA_ID": event.camera, "COMPONENT": "motion"})  # fmt: skip

    def reload(self, config: MotionConfig) -> None:
        if config != self.config:
            was_on = {c for c in self.workers if self.spec_for(c).enabled}
            self.config = config
            for camera_id, w in self.workers.items():
                if camera_id in was_on and not self.spec_for(camera_id).enabled:
                    w.turned_off()
                w.wake.set()

    # --- settings ------------------------------------------------------------------------

    def spec_for(self, camera_id: str) -> MotionSpec:
        return self.overrides.get(camera_id) or self.config.spec_for(camera_id)

    def source(self, camera_id: str) -> str:
        if camera_id in self.overrides:
            return "api"
        return "config" if camera_id in self.config.cameras else "default"

    def active_event(self, camera_id: str) -> StoredEvent | None:
        w = self.workers.get(camera_id)
        return w.event if w is not None else None

    def state(self, camera_id: str) -> str:
        w = self.workers.get(camera_id)
        return w.reason if w is not None else "off"

    async def set_config(self, camera_id: str, changes: dict[str, Any]) -> MotionSpec:
        """Saves, then applies; ``InvalidParams`` names the bad key, ``StorageError`` when it
        cannot be saved (the setting in force stays)."""
        try:
            spec = spec_from_mapping(changes, self.spec_for(camera_id))
        except ValueError as e:
            key = str(e).partition(": ")[0]
            raise InvalidParams(key.split(".")[0].split("[")[0], str(e)) from None
        overrides = {**self.overrides, camera_id: spec}
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, write_atomically, self.settings_path, encode(overrides))
        except OSError as e:
            raise StorageError(f"cannot save the motion settings: {e.strerror or e}") from e
        self.overrides = overrides
        log.info("%s: motion detection %s", camera_id, "on" if spec.enabled else "off",
                 extra={"CAMERA_ID": camera_id, "COMPONENT": "motion"})  # fmt: skip
        worker = self._worker(camera_id)
        if not spec.enabled:  # ends its running event even if turned on again at once
            worker.turned_off()
        worker.wake.set()
        return spec

    async def set_motion_enabled(self, camera_id: str, enabled: bool) -> None:
        """On/off alone (the MQTT switch: ``mqtt.sources.MotionControl``)."""
        await self.set_config(camera_id, {"enabled": enabled})

    # --- events --------------------------------------------------------------------------

    async def list_events(
        self, camera: str | None, since: float | None, until: float | None, limit: int, offset: int
    ) -> tuple[list[StoredEvent], int]:
        return await self.store.list(camera, since, until, limit, offset)

    async def get_event(self, event_id: str) -> StoredEvent:
        return await self.store.get(event_id)

    async def delete_event(self, event_id: str) -> StoredEvent:
        """Deletes a finished event and its pictures; a running one is ``InvalidState``."""
        running = {w.event.id for w in self.workers.values() if w.event is not None}
        if event_id in running:
            raise InvalidState("active", f"the event {event_id} is still running")
        event = await self.store.delete(event_id)
        await self._forget([event])
        return event

    async def _forget(self, events: list[StoredEvent]) -> None:
        loop = asyncio.get_running_loop()
        for event in events:
            self._clips.pop(event.id, None)
            for name in (event.snapshot, event.thumbnail):
                if name:
                    with contextlib.suppress(OSError):
                        await loop.run_in_executor(None, (self.pictures_dir / name).unlink)

    # --- retention -----------------------------------------------------------------------

    def _remember(self, event: StoredEvent) -> None:
        end = event.end if event.end is not None else event.last_motion
        self._clips[event.id] = (event.camera, event.start - event.pre_capture, end + event.post_capture)

    def keeps(self, path: Path) -> bool:
        """True for a recording of a camera whose time (its name's start to its last write)
        overlaps the clip of an event younger than ``retain_days``: retention keeps it."""
        camera, start = parse_device(path.name), parse_time(path.name)
        if camera is None or start is None:
            return False
        later = [s for c, s, e in self._clips.values() if c == camera and start <= e]
        if not later:  # most files: no stat at all
            return False
        try:
            end = path.stat().st_mtime  # one stat of a file that may hold an event
        except OSError:
            return False
        return any(s <= end for s in later)

    async def prune(self) -> int:
        """Delete the events (and their pictures) that ended more than ``retain_days`` ago.
        Passes run one at a time, so when this returns, every picture of an event an earlier
        pass took from the store is gone too."""
        async with self._pruning:
            gone = await self.store.delete_before(self.clock.time() - self.config.retain_days * DAY)
            await self._forget(gone)
        if gone:
            log.info("motion events retention deleted %d event(s)", len(gone),
                     extra={"COMPONENT": "motion"})  # fmt: skip
        return len(gone)

    async def _prune_loop(self) -> None:
        while True:
            try:
                await self.prune()
            except StorageError as e:
                log.error("motion events retention failed: %s", e, extra={"COMPONENT": "motion"})
            await asyncio.sleep(PRUNE_INTERVAL)

    def picture_path(self, name: str) -> Path:
        return self.pictures_dir / name
