"""One camera's motion detection: frames → detector → tracker → events (stored, announced).

The worker runs while the camera is connected and its motion setting is enabled: it reads
frames (``media.frames``), feeds the detector and the event tracker with the wall time of
each frame, keeps the frame of peak motion, and for each change of the tracker saves the
event and publishes a ``motion_event`` notification (an event's pictures are written after
``started`` is announced, and before ``ended`` is: the peak is known by then). A
lost stream ends a running event with the cause and is retried with a bounded back-off.

Detection turned off ends a running event (cause ``detection turned off``) and the run: the
service calls ``turned_off``, counted, so an off followed by an on before the next frame
still ends it, and the next run starts clean (a new detector and tracker). Each frame asks
``interruption`` (pure) whether the run must stop.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from pathlib import Path
from typing import Protocol

from ..errors import CameraNotFound, CameraServiceError
from ..media.event_pictures import write_pictures
from ..media.event_store import StoredEvent
from ..media.frames import Frame, FrameReader
from ..models import Camera, Clock, Notification
from ..motion.detector import DetectorSettings, MotionDetector
from ..motion.health import FrameRate
from ..motion.settings import MotionSpec
from ..motion.tracker import Change, EventState, EventTracker, TrackerSettings
from ..ports import CameraDirectory
from ..rpc.present import iso_time
from ..waits import wait_event

log = logging.getLogger(__name__)


class WorkerHost(Protocol):
    """What a worker needs from the motion service (``motion.service.MotionService``)."""

    cameras: CameraDirectory
    clock: Clock
    pictures_dir: Path

    def spec_for(self, camera_id: str) -> MotionSpec: ...

    def reader_url(self, camera: Camera) -> str: ...

    def publish(self, n: Notification) -> None: ...

    async def save(self, event: StoredEvent) -> None: ...

RETRY_MIN, RETRY_MAX = 1.0, 30.0
TURNED_OFF = "detection turned off"
CHANGED = "source or settings changed"


def detector_settings(spec: MotionSpec) -> DetectorSettings:
    return DetectorSettings(spec.threshold, spec.min_area, spec.masks)


def tracker_settings(spec: MotionSpec) -> TrackerSettings:
    return TrackerSettings(spec.confirm_frames, spec.quiet_seconds)


def interruption(enabled: bool, url: str | None, run_url: str, offs: int, run_offs: int) -> str | None:
    """Why a detection run must stop now, or None: detection is off or was turned off since
    the run began (``offs`` counts ``turned_off`` calls), or the camera is away (``url``
    None) or read elsewhere. Pure."""
    if not enabled or offs != run_offs:
        return TURNED_OFF
    if url != run_url:
        return CHANGED
    return None


def new_event_id(camera_id: str, start: float) -> str:
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(start))
    return f"{camera_id}_{stamp}_{secrets.token_hex(3)}"


class MotionWorker:
    def __init__(self, service: WorkerHost, camera_id: str) -> None:
        self.service = service
        self.camera_id = camera_id
        self.wake = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.reason = "idle"
        self.frames = 0  # frames read since the service started
        self.url = ""  # what the detector reads (with the reader credential: never shown)
        self.frames_of_url = 0  # frames read from it
        self.rate = FrameRate()  # frames a second the detector looks at (monotonic time)
        self.event: StoredEvent | None = None  # the running event
        self.offs = 0  # times detection was turned off (``turned_off``)
        self._tracker = EventTracker()
        self._peak: Frame | None = None  # the frame of peak motion, in colour

    def turned_off(self) -> None:
        """Detection was turned off: the run stops at its next frame and ends a running
        event, even if detection is on again by then."""
        self.offs += 1
        self.wake.set()

    def _source(self) -> str | None:
        """The URL the detector reads, or None when the camera is away."""
        try:
            camera = self.service.cameras.get(self.camera_id)
        except CameraNotFound:
            return None
        return self.service.reader_url(camera) if camera.connected else None

    def _wanted(self) -> tuple[MotionSpec, str] | None:
        spec = self.service.spec_for(self.camera_id)
        url = self._source() if spec.enabled else None
        return (spec, url) if url is not None else None

    async def run(self) -> None:
        backoff = RETRY_MIN
        while True:
            wanted = self._wanted()
            if wanted is None:
                self.reason = "off"
                self.wake.clear()
                await self.wake.wait()
                continue
            spec, url = wanted
            try:
                cause = await self._detect(spec, url)
            except Exception:  # a bug: the running event still ends (the service restarts run)
                await self.close("detection failed")
                raise
            await self.close(cause)
            if cause in (TURNED_OFF, CHANGED):
                backoff = RETRY_MIN
                continue
            self.reason = f"retrying: {cause}"
            self.wake.clear()
            await wait_event(self.wake, backoff)
            backoff = min(backoff * 2, RETRY_MAX)

    async def _detect(self, spec: MotionSpec, url: str) -> str:
        detector = MotionDetector(detector_settings(spec))
        self._tracker = EventTracker(tracker_settings(spec))
        self._peak = None
        self.url, self.frames_of_url = url, 0
        offs = self.offs
        try:
            async with FrameReader(url, camera_id=self.camera_id) as reader:
                self.reason = "starting"
                async for frame in reader.frames():
                    now = self.service.clock.time()
                    self.frames += 1
                    self.rate.add(time.monotonic())
                    self.frames_of_url += 1
                    if self.reason != "detecting":
                        self.reason = "detecting"
                        log.info("%s: motion detection running", self.camera_id,
                                 extra={"CAMERA_ID": self.camera_id, "COMPONENT": "motion"})  # fmt: skip
                    current = self.service.spec_for(self.camera_id)
                    stop = interruption(current.enabled, self._source(), url, self.offs, offs)
                    if stop is not None:
                        return stop
                    if current != spec:
                        spec = current
                        detector.configure(detector_settings(spec))
                        self._tracker.settings = tracker_settings(spec)
                    await self._on_frame(now, frame, detector)
            return "stream ended"
        except CameraServiceError as e:
            log.warning("%s: motion detection stopped: %s", self.camera_id, e,
                        extra={"CAMERA_ID": self.camera_id, "COMPONENT": "motion"})  # fmt: skip
            return f"stream lost: {e}"

    async def _on_frame(self, now: float, frame: Frame, detector: MotionDetector) -> None:
        detection = detector.detect(frame.data)
        step = self._tracker.feed(now, detection)
        if step.new_peak:
            self._peak = frame
        elif self._tracker.active is None and step.change is None and not detection.motion:
            self._peak = None
        if step.change is not None:
            await self._on_change(step.change)

    async def _on_change(self, change: Change) -> None:
        spec = self.service.spec_for(self.camera_id)
        state = change.event
        if change.kind == "started" or self.event is None:
            self.event = StoredEvent(
                new_event_id(self.camera_id, state.start), self.camera_id, state.start, None,
                state.last_motion, state.peak_score, state.peak_time,
                pre_capture=spec.pre_capture, post_capture=spec.post_capture,
            )  # fmt: skip
        event = self._merge(self.event, state)
        if change.kind == "ended":  # its pictures, then saved, then announced
            event = await self._with_pictures(event)
        self.event = None if change.kind == "ended" else event
        await self.service.save(event)  # get_event finds what a notification announces
        self.service.publish(notification(event, change.kind))
        if change.kind == "started":  # a picture while it runs (the peak so far)
            event = await self._with_pictures(event)
            if self.event is not None and self.event.id == event.id:
                self.event = event
            await self.service.save(event)
        if change.kind == "ended":
            self._peak = None

    def _merge(self, event: StoredEvent, state: EventState) -> StoredEvent:
        return StoredEvent(
            event.id, event.camera, state.start, state.end, state.last_motion, state.peak_score,
            state.peak_time, state.region.as_dict() if state.region else None, event.snapshot,
            event.thumbnail, state.cause, event.pre_capture, event.post_capture,
        )  # fmt: skip

    async def _with_pictures(self, event: StoredEvent) -> StoredEvent:
        if self._peak is None:
            return event
        try:
            peak = self._peak
            snap, thumb = await write_pictures(peak.picture, peak.width, peak.height,
                                               self.service.pictures_dir, event.id)
        except CameraServiceError as e:
            log.warning("%s: no picture for event %s: %s", self.camera_id, event.id, e,
                        extra={"CAMERA_ID": self.camera_id, "COMPONENT": "motion"})  # fmt: skip
            return event
        return StoredEvent(**{**event.__dict__, "snapshot": snap, "thumbnail": thumb})

    async def close(self, cause: str) -> None:
        """End a running event now (stream lost, settings changed, service stopping)."""
        change = self._tracker.close(self.service.clock.time(), cause)
        if change is not None:
            await self._on_change(change)


def notification(event: StoredEvent, kind: str) -> Notification:
    params: dict[str, object] = {
        "device": event.camera,
        "event_id": event.id,
        "status": kind,
        "start_time": iso_time(event.start),
        "end_time": iso_time(event.end),
        "score": round(event.peak_score, 3),
        "region": event.region,
    }
    if kind == "ended":
        params["cause"] = event.cause
    return Notification("motion_event", f"motion.{kind}", params, device=event.camera)
