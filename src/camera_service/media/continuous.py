"""One camera's continuous recording: the loop that runs ``recorder_policy.decide`` against
the real world and carries out its decision with a ``SegmentRun``.

Each pass reads the inputs (the mode and the clock, the camera in the registry, the disk
state the ``Recorder`` watches of the folders this camera's mode writes to, the ffmpeg
run), decides, acts, and sleeps until the next tick, the back-off's end, the schedule's
next edge, or a wake-up (camera event, mode change, ffmpeg exit, disk state change),
whichever comes first. A change of phase is logged once, published once
(``recording_status_update``) and written to the journal; retries inside a phase are
silent.

Where the run writes and who takes its closed segments is the sink the host gives for the
camera's mode (``segment_sinks``): the journal for continuous and scheduled recording, the
motion buffer for mode ``motion``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from pathlib import Path
from typing import Protocol

from ..errors import CameraNotFound, FFmpegError
from ..models import Camera, Clock, Notification
from ..ports import CameraDirectory
from ..recording_modes import ModeSpec, seconds_to_edge
from ..waits import cancel_and_wait, wait_event
from . import recorder_policy as policy
from .disk_space import DiskState
from .filenames import parse_time, stamp
from .recording_store import RecordingStore
from .segment_sinks import SegmentSink
from .segmenter import SegmentRun, port_open
from .timeline import Transition
from .worker_status import SWITCHED, SWITCHING, WORDS, camera_ready, needs_restart, phase_notification

log = logging.getLogger(__name__)

CLOSE_TIMEOUT = 30.0  # the longest a worker's loop may take to end once cancelled (s)


class WorkerHost(Protocol):
    """What a worker needs from the recorder that runs it (``recorder.Recorder`` passes
    itself): this module never imports the recorder back."""

    cameras: CameraDirectory
    clock: Clock
    store: RecordingStore
    backoff: policy.Backoff
    directory: Path
    tick: float
    start_timeout: float
    stop_timeout: float
    io_timeout: float

    def spec_for(self, camera_id: str) -> ModeSpec: ...
    def wanted(self, camera_id: str, spec: ModeSpec, now: float) -> tuple[bool, str]: ...
    def disk_for(self, spec: ModeSpec) -> DiskState: ...
    def sink_for(self, camera_id: str, spec: ModeSpec) -> SegmentSink: ...
    def reader_url(self, camera: Camera) -> str: ...
    def foreign(self, path: Path) -> bool: ...
    def publish(self, n: Notification) -> None: ...


class CameraWorker:
    def __init__(self, owner: WorkerHost, camera_id: str) -> None:
        self.owner = owner
        self.camera_id = camera_id
        self.wake = asyncio.Event()
        self.stepped = asyncio.Event()  # set after each pass (set_mode waits for one)
        self.steps = 0
        self.in_step = False
        self.run: SegmentRun | None = None
        self.sink: SegmentSink | None = None  # the running run's
        self.journaled = True  # the last run's segments went to the journal (not a buffer)
        self.run_spec: ModeSpec | None = None
        self.phase: policy.Phase | None = None
        self.reason = ""
        self.since = owner.clock.time()
        self.failures = 0
        self.last_failure_at: float | None = None
        self.failure_reason = ""
        self.last_duration = 0.0
        self.task: asyncio.Task[None] | None = None
        self._source_down = False

    # --- the loop ----------------------------------------------------------------------

    async def loop(self) -> None:
        while True:
            self.wake.clear()  # a wake-up during the pass below makes the next one come at once
            self.in_step = True
            delay = await self.step()
            self.in_step = False
            self.steps += 1
            self.stepped.set()
            if delay > 0:
                await wait_event(self.wake, delay)

    async def applied(self, within: float) -> None:
        """Return once a pass that began after this call has ended (bounded)."""
        target = self.steps + (2 if self.in_step else 1)
        self.wake.set()
        deadline = asyncio.get_running_loop().time() + within
        while self.steps < target:
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                return
            self.stepped.clear()
            await wait_event(self.stepped, left)

    async def step(self) -> float:
        o = self.owner
        spec = o.spec_for(self.camera_id)
        camera = self._camera()
        await self._collect()
        if self.run is not None and self.run.done:
            await self._ended_by_itself()
        if self.run is not None and self.run_spec is not None and needs_restart(self.run_spec, spec):
            await self._stop_run("recording settings changed")
        await self._follow_source(camera)
        now = o.clock.time()
        want, idle_reason = o.wanted(self.camera_id, spec, now)
        if not want:  # failures before the mode went off or the window closed are history
            self.failures, self.last_failure_at, self._source_down = 0, None, False
        ready, why = camera_ready(camera)
        disk = o.disk_for(spec)  # the folders this camera's mode writes to
        source_down = False
        if want and disk.ok and self.failures > 0 and self.run is None and camera is not None and ready:
            source_down = not await port_open(o.reader_url(camera))
            if self._source_down and not source_down:
                self.camera_changed()  # it listens again: try at once, not after the back-off
            self._source_down = source_down
        decision = policy.decide(
            policy.Inputs(
                now=o.clock.monotonic(),
                wanted=want,
                idle_reason=idle_reason,
                camera_ready=ready,
                camera_reason=why,
                disk_ok=disk.ok,
                disk_reason=disk.reason,
                running=self.run is not None,
                failures=self.failures,
                last_failure_at=self.last_failure_at,
                failure_reason=self.failure_reason,
                source_down=source_down,
            ),
            o.backoff,
        )
        if decision.action is policy.Action.STOP:
            await self._stop_run(decision.reason)
            await self.enter(decision.phase, decision.reason)
        elif decision.action is policy.Action.START:
            assert camera is not None
            await self._attempt(camera, spec)
        else:
            await self.enter(decision.phase, decision.reason)
        delays = [o.tick]
        if decision.retry_in is not None:
            delays.append(decision.retry_in)
        edge = seconds_to_edge(spec, o.clock.time())
        if edge is not None:
            delays.append(edge + 0.01)
        return max(0.0, min(delays))

    def _camera(self) -> Camera | None:
        try:
            return self.owner.cameras.get(self.camera_id)
        except CameraNotFound:
            return None

    # --- acting ------------------------------------------------------------------------

    async def _attempt(self, camera: Camera, spec: ModeSpec) -> None:
        o = self.owner
        await self._after_last_name()
        sink = o.sink_for(self.camera_id, spec)
        fmt, segment_seconds = sink.shape(spec)
        run = SegmentRun(
            camera_id=self.camera_id, url=o.reader_url(camera), directory=sink.directory,
            fmt=fmt, segment_seconds=segment_seconds, io_timeout=o.io_timeout,
            clock=o.clock, foreign=o.foreign,
        )  # fmt: skip
        try:
            await run.start(o.start_timeout)
        except FFmpegError as e:
            self._failed(f"cannot record: {e}", None)
            await self.enter(policy.Phase.RETRYING, self.failure_reason)
            return
        self.run, self.run_spec, self.sink, self.journaled = run, spec, sink, sink.journaled
        assert run._exit is not None
        run._exit.add_done_callback(lambda _: self.wake.set())
        await sink.started(run)
        await self.enter(policy.Phase.RECORDING, "")

    async def _after_last_name(self) -> None:
        """Segment names have one-second resolution: a new run never starts in the second
        the last segment of this camera started in (it would overwrite that file)."""
        segments = self.owner.store.camera(self.camera_id).segments
        last = parse_time(segments[-1].name) if segments else None
        if self.run is not None and self.run.open_name and self.journaled:
            last = parse_time(self.run.open_name)
        now = time.time()  # ffmpeg names files by the real clock, not the service's
        if last is not None and stamp(now) <= stamp(last):
            await asyncio.sleep(math.floor(now) + 1.0 - now + 0.01)

    async def _stop_run(self, reason: str) -> None:
        run = self.run
        if run is None:
            return
        await run.stop(self.owner.stop_timeout)
        await self._finish_run(run)
        log.debug("%s: continuous run stopped (%s)", self.camera_id, reason)

    async def _ended_by_itself(self) -> None:
        run = self.run
        assert run is not None
        rc = await run.wait_exit()
        why = run.end_reason(rc)
        await self._finish_run(run)
        self._failed(f"stream lost: {why}", run.ran_for)
        await self.enter(policy.Phase.RETRYING, self.failure_reason)

    async def _follow_source(self, camera: Camera | None) -> None:
        """A run that reads another address than the one to read now (the camera directly
        while MediaMTX was down, and MediaMTX is back; or the other way round) gives way
        at once: one reader, and one encoder, per camera. The break is a gap of its own."""
        run = self.run
        if run is None or run.done or camera is None:
            return
        url = self.owner.reader_url(camera)
        if url == run.url or not await port_open(url) or run.done:
            return  # (a run that ended meanwhile was lost: the next pass says so)
        await self._stop_run(SWITCHED)
        journal = self.owner.store.camera(self.camera_id)
        at = journal.segments[-1].end if journal.segments else self.owner.clock.time()
        journal.add_transition(Transition(at, SWITCHING, SWITCHED))
        log.info("%s: continuous recording switches its source", self.camera_id,
                 extra={"CAMERA_ID": self.camera_id, "COMPONENT": "media"})  # fmt: skip
        self.camera_changed()

    async def _finish_run(self, run: SegmentRun) -> None:
        await self._collect(run)
        self.last_duration = await run.recorded()
        sink = self.sink
        self.run = self.run_spec = self.sink = None
        if sink is not None:
            await sink.finished(run)

    def _failed(self, reason: str, ran_for: float | None) -> None:
        self.failures = policy.failures_after(self.failures, ran_for)
        self.last_failure_at = self.owner.clock.monotonic()
        self.failure_reason = reason

    def camera_changed(self) -> None:
        """The camera came back (or changed): try at once instead of after the back-off."""
        self.failures = 0
        self.last_failure_at = None
        self.wake.set()

    async def _collect(self, run: SegmentRun | None = None) -> None:
        run = run or self.run
        if run is None or self.sink is None:
            return
        new = await run.poll()
        if new:
            await self.sink.closed(run, new)

    # --- phases ------------------------------------------------------------------------

    async def enter(self, phase: policy.Phase, reason: str) -> None:
        if phase is self.phase:
            self.reason = reason or self.reason
            return
        previous, self.phase, self.reason = self.phase, phase, reason
        now = self.owner.clock.time()
        self.since = now
        at = now
        if phase is not policy.Phase.RECORDING:
            segs = self.owner.store.camera(self.camera_id).segments
            at = segs[-1].end if segs and previous is policy.Phase.RECORDING and self.journaled else now
        self.owner.store.camera(self.camera_id).add_transition(Transition(at, phase.value, reason))
        await self.owner.store.save_journal()
        if previous is None and phase is policy.Phase.IDLE:
            return  # a camera that is simply off at start: nothing to tell anyone
        level = logging.INFO if phase in (policy.Phase.RECORDING, policy.Phase.IDLE) else logging.WARNING
        motion = self.owner.spec_for(self.camera_id).mode == "motion"
        what = "motion buffer" if motion else "continuous recording"
        log.log(level, "%s: %s %s%s", self.camera_id, what, WORDS[phase],
                f" ({reason})" if reason else "",
                extra={"CAMERA_ID": self.camera_id, "COMPONENT": "media"})  # fmt: skip
        self.owner.publish(self._notification(phase, reason))

    def _notification(self, phase: policy.Phase, reason: str) -> Notification:
        # a buffer piece is no recording: name the last recording instead
        filename = self.run.open_name if self.run is not None and self.journaled else None
        if filename is None:
            segs = self.owner.store.camera(self.camera_id).segments
            filename = segs[-1].name if segs else ""
        return phase_notification(self.camera_id, phase, reason, self.owner.spec_for(self.camera_id),
                                  filename, self.last_duration)  # fmt: skip

    # --- shutdown ----------------------------------------------------------------------

    async def close(self, reason: str) -> None:
        if self.task is not None:
            await cancel_and_wait(self.task, CLOSE_TIMEOUT)
        if self.run is not None:
            await self._stop_run(reason)
