"""Snapshots and recordings for the API (``ports.Media``).

``MediaService`` owns the running recordings (one ``ResumableRecording`` per camera: it
pauses while its source is lost and resumes by itself), publishes their
``recording_status_update`` and ``snapshot_taken`` notifications on the bus, and runs two
background loops: a free-space watch that stops every recording cleanly when the recordings
folder drops below ``min_free_mb``, and the retention schedule. Leaving the context stops
every recording gracefully (files finalized) before returning.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path

from ..config.model import StorageConfig
from ..errors import CameraUnavailable, DiskFullError, InvalidParams, InvalidState
from ..events import EventBus
from ..lifecycle import Component
from ..models import Camera, CameraEvent, CameraEventKind, CameraKind, Clock, ComponentHealth, Notification
from ..models_recordings import Recording, Snapshot
from .disk_space import MB
from .filenames import (
    DEFAULT_FORMAT,
    RECORDING_FORMATS,
    numbered,
    recording_filename,
    snapshot_filename,
)
from .keyframes import KeyFrameKeeper
from .notices import PAUSED, STARTED, recording_notification
from .preroll import Feed, PrerollKeeper
from .resumable import ResumableRecording
from .snapshots import capture_jpeg, copy_jpeg
from .storage import Storage

log = logging.getLogger(__name__)

MAX_DURATION = 7 * 86400.0


class MediaService(Component):
    def __init__(
        self,
        config: StorageConfig,
        storage: Storage,
        bus: EventBus[Notification],
        reader_url: Callable[[Camera], str],
        clock: Clock | None = None,
        *,
        watch_interval: float = 2.0,
        start_timeout: float | None = None,
        io_timeout: float = 10.0,
    ) -> None:
        self.config = config
        self.storage = storage
        self.bus = bus
        self.reader_url = reader_url
        self.clock = clock or Clock()
        self.watch_interval = watch_interval
        self.start_timeout = start_timeout if start_timeout is not None else config.snapshot_timeout
        self.io_timeout = io_timeout
        self._jobs: dict[str, ResumableRecording] = {}
        self._cameras: dict[str, Camera] = {}  # the latest of each recording camera
        self._starting: set[str] = set()
        self._tasks: set[asyncio.Future[object]] = set()
        self._background: list[asyncio.Task[None]] = []
        self._low_space = False
        self._space_error = False
        self._closing = False
        storage.add_busy_check(self.is_busy)
        # set by the app: while a camera records continuously, its segments take the plain
        # "cameraN_<time>" names, so a manual recording of it is numbered ("..._1")
        self.continuous_active: Callable[[str], bool] = lambda camera_id: False
        # set by the app when storage.snapshot_keyframes is on: each live camera's last key
        # frame, which a snapshot copies instead of waiting for the next one
        self.key_frames: KeyFrameKeeper | None = None
        # set by the app when storage.recording_preroll is on: each live camera's current
        # GOP, from which a one-file fmp4 recording starts at once
        self.pre_roll: PrerollKeeper | None = None

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        await self.storage.start()  # idempotent: the folders exist even if nobody entered it
        self._closing = False
        self._background = [
            asyncio.create_task(self._watch_free_space(), name="media free-space watch"),
            asyncio.create_task(self._retention_schedule(), name="media retention"),
        ]

    async def stop(self) -> None:
        """Finalize every recording (graceful, bounded), then end the background loops."""
        self._closing = True
        for task in self._background:
            task.cancel()
        jobs = list(self._jobs.values())
        if jobs:
            log.info("finalizing %d recording(s)", len(jobs), extra={"COMPONENT": "media"})
            await asyncio.gather(
                *(j.stop("service stopping") for j in jobs), return_exceptions=True
            )
        # by now every job has ended, so these are finished stop calls and the loops
        pending: list[asyncio.Future[object] | asyncio.Task[None]] = [*self._background, *self._tasks]
        for fut in pending:
            fut.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        self._background = []

    def health(self) -> ComponentHealth:
        if self._low_space:
            return ComponentHealth("storage", False, "low_space", "below min_free_mb")
        return ComponentHealth("storage", True, "ok", f"{len(self._jobs)} recording(s)")

    def is_busy(self, path: Path) -> bool:
        return any(job.owns(path) for job in list(self._jobs.values()))

    # --- snapshots ---------------------------------------------------------------------

    async def take_snapshot(self, camera: Camera, filename: str | None) -> Snapshot:
        _require_connected(camera)
        now = self.clock.time()
        name = snapshot_filename(camera.id, filename, now)
        folder = self.storage.folder("snapshots")
        final = folder / name
        if final.exists():
            if filename is not None:
                raise InvalidParams("filename", f"{name} already exists")
            final = _unused(folder, name)
        kept = self.key_frames.latest(camera.id) if self.key_frames is not None else None
        size = await copy_jpeg(kept, final) if kept is not None else None
        if size is None:  # no fresh key frame kept (or it vanished): a reader of its own
            size = await capture_jpeg(
                self.reader_url(camera),
                final,
                quality=self.config.snapshot_quality,
                max_width=self.config.snapshot_max_width,
                time_limit=self.config.snapshot_timeout,
                camera_id=camera.id,
            )
        snap = Snapshot(camera.id, final.name, now, size, str(final))
        self.bus.publish(
            Notification(
                method="snapshot_taken",
                topic="snapshot.taken",
                params={
                    "device": camera.id,
                    "filename": snap.filename,
                    "file_size": size,
                    "timestamp": now,
                },
                device=camera.id,
            )
        )
        return snap

    # --- recordings --------------------------------------------------------------------

    def active_recordings(self) -> list[Recording]:
        return [j.recording for j in self._jobs.values() if j.final is None]

    async def start_recording(
        self, camera: Camera, duration: float | None, fmt: str | None
    ) -> Recording:
        fmt = fmt or self.config.recording_format or DEFAULT_FORMAT
        if fmt not in RECORDING_FORMATS:
            raise InvalidParams("format", f"format must be one of {', '.join(RECORDING_FORMATS)}")
        if duration is not None and not 0 < duration <= MAX_DURATION:
            raise InvalidParams("duration", f"duration must be > 0 and <= {MAX_DURATION:g} s")
        _require_connected(camera)
        if self._closing:
            raise InvalidState("stopping", "the service is stopping")
        if camera.id in self._jobs or camera.id in self._starting:
            raise InvalidState("recording", f"{camera.id} is already recording")
        self._starting.add(camera.id)
        try:
            free = await self.storage.free_bytes_async()
            if self.storage.below_min_free(free):
                raise DiskFullError(
                    f"only {free // MB} MB free, below the minimum of {self.config.min_free_mb} MB"
                )
            folder = self.storage.folder("recordings")
            name = recording_filename(camera.id, fmt, self.clock.time())
            if (folder / name).exists() or self.continuous_active(camera.id):
                name = _unused(folder, name).name
            self._cameras[camera.id] = camera
            job = ResumableRecording(
                camera_id=camera.id,
                source=self._source(camera.id),
                directory=folder,
                filename=name,
                fmt=fmt,
                duration=duration,
                segment_seconds=self.config.segment_seconds,
                stop_timeout=self.config.stop_timeout,
                start_timeout=self.start_timeout,
                io_timeout=self.io_timeout,
                on_end=self._ended,
                on_status=self._paused_or_resumed,
                clock=self.clock,
                fps=camera.mode.fps if camera.mode is not None else None,
                preroll=self._preroll(camera.id),
            )
            rec = await job.start()
            self._jobs[camera.id] = job
        except BaseException:
            self._cameras.pop(camera.id, None)
            raise
        finally:
            self._starting.discard(camera.id)
        if self._closing:  # the service began stopping while ffmpeg was starting
            self._publish(rec, STARTED)
            return await job.stop("service stopping")
        self._publish(rec, STARTED)
        return rec

    async def stop_recording(self, camera_id: str) -> Recording:
        job = self._jobs.get(camera_id)
        if job is None or job.final is not None:
            raise InvalidState("not_recording", f"{camera_id} is not recording")
        return await job.stop()

    def _source(self, camera_id: str) -> Callable[[], str]:
        """Where a recording of the camera reads now (MediaMTX, or the camera directly while
        MediaMTX is down): asked again at each resume and while a piece runs."""
        return lambda: self.reader_url(self._cameras[camera_id])

    def _preroll(self, camera_id: str) -> Callable[[str], Feed | None]:
        """The camera's held GOP for a piece that reads ``url``, when the keeper has it."""
        return lambda url: self.pre_roll.feed(camera_id, url) if self.pre_roll is not None else None

    def _ended(self, rec: Recording) -> None:
        job = self._jobs.get(rec.camera_id)
        if job is not None and job.final is rec:
            del self._jobs[rec.camera_id]
            self._cameras.pop(rec.camera_id, None)
        self._publish(rec, rec.status.value)

    def _paused_or_resumed(self, rec: Recording, what: str) -> None:
        """A pause is ``ERROR`` (the recording goes on once its source is back), a resume
        ``STARTED`` again; ``phase`` says which, ``reason`` why it paused."""
        self._publish(rec, PAUSED if what == "paused" else STARTED, what)

    def _publish(self, rec: Recording, status: str, phase: str = "") -> None:
        self.bus.publish(recording_notification(rec, status, phase))

    # --- events from the camera registry -----------------------------------------------

    def on_camera_event(self, event: CameraEvent) -> None:
        """Registry listener (synchronous): a camera removed, or a local camera no longer
        connected, ends its recording; the file is finalized and kept, and reported FAILED.
        A network camera that stops answering only pauses it (its stream is lost): the
        recording resumes when the camera returns, as after any other lost stream."""
        cam = event.camera
        removed = event.kind is CameraEventKind.REMOVED
        job = self._jobs.get(cam.id)
        if job is None or job.final is not None:
            return
        if not removed:
            self._cameras[cam.id] = cam  # a resumed piece reads it as it is now
        if not removed and (cam.connected or cam.kind is CameraKind.NETWORK):
            return
        reason = "camera removed" if removed else (
            f"camera {cam.status.value.lower()}" + (f": {cam.reason}" if cam.reason else "")
        )
        self._spawn(job.stop(reason, failed=True))

    def _spawn(self, coro: Coroutine[object, object, object]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- background loops --------------------------------------------------------------

    async def _watch_free_space(self) -> None:
        while True:
            await asyncio.sleep(self.watch_interval)
            try:
                free = await self.storage.free_bytes_async()
            except Exception as e:  # noqa: BLE001 - keep watching; report once
                if not self._space_error:
                    log.warning("%s", e, extra={"COMPONENT": "media"})
                self._space_error = True
                continue
            self._space_error = False
            low = self.storage.below_min_free(free)
            if low != self._low_space:
                self._low_space = low
                if low:
                    log.warning(
                        "free space %d MB below %d MB: stopping recordings",
                        free // MB,
                        self.config.min_free_mb,
                        extra={"COMPONENT": "media"},
                    )
                else:
                    log.info("free space recovered (%d MB)", free // MB)
            if low:
                reason = (
                    f"disk space low: {free // MB} MB free, minimum {self.config.min_free_mb} MB"
                )
                for job in list(self._jobs.values()):
                    if not job.stopping:
                        self._spawn(job.stop(reason))

    async def _retention_schedule(self) -> None:
        interval = max(1.0, self.config.retention.interval)
        while True:
            await asyncio.sleep(interval)
            if not self.storage.retention_policy().enabled:
                continue
            try:
                await self.storage.cleanup()
            except Exception:
                log.exception("retention run failed")


def _require_connected(camera: Camera) -> None:
    if not camera.connected:
        raise CameraUnavailable(camera.id, camera.reason or camera.status.value)


def _unused(folder: Path, name: str) -> Path:
    n = 1
    while (folder / numbered(name, n)).exists():
        n += 1
    return folder / numbered(name, n)
