"""Recording mode ``motion``: the rolling pre-capture buffer of each camera and the recordings
made from it around motion events (the plan is ``motion_buffer``'s; this module does it).

The camera's one ffmpeg (the recorder's run, through ``segment_sinks.BufferSink``) writes pieces of about
a second into ``state_dir/motion-buffer``. ``MotionBuffer`` learns of events from the
``motion_event`` notifications on the bus, keeps the pieces their clips need, deletes the
others as the plan says, and makes each clip one recording in the recordings folder:
ffmpeg's concat demuxer copies the pieces (``-c copy``: no second encoder, no second
reader of the camera) into a hidden file renamed into place, named by camera and the
clip's start like every recording. The recording enters the recorder's journal (so the
timeline and an event's ``clip`` show it; a gap between clips is caused by ``no motion``)
and a ``recording_status_update`` ``STOPPED`` announces it.

What a pending clip needs is saved (``cameraN.clips.json``) at every change, so after a
SIGKILL the next start makes the clip from the pieces on disk (ffmpeg, told by its
lifeline, finishes the open one), then clears the buffer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import ffconcat
from ..errors import FFmpegError, StorageError
from ..models import Notification
from ..recording_modes import ModeSpec
from ..statefile import make_dirs, write_atomically
from ..waits import bounded
from . import ffmpeg
from . import motion_buffer as plan
from . import motion_pending as pending
from .ffprobe import ffprobe_duration, ffprobe_valid
from .filenames import numbered, recording_filename
from .joining import JOIN_TIMEOUT, join_args
from .motion_pending import CameraBuffer
from .recording_store import RecordingStore
from .segment_sinks import BufferSink
from .segmenter import SegmentRun
from .timeline import Segment, Transition

log = logging.getLogger(__name__)

BUFFER_DIR = "motion-buffer"
NO_MOTION = "no motion"


class MotionBuffer:
    def __init__(
        self,
        directory: Path,
        recordings: Path,
        store: RecordingStore,
        publish: Callable[[Notification], None],
        spec_for: Callable[[str], ModeSpec],
        *,
        max_bytes: int,
    ) -> None:
        self.directory = directory
        self.recordings = recordings
        self.store = store
        self.publish = publish
        self.spec_for = spec_for
        self.max_bytes = max_bytes
        self.capture_for: Callable[[str], plan.Capture] = lambda camera_id: plan.Capture()
        self.cameras: dict[str, CameraBuffer] = {}
        self.now: Callable[[], float] = lambda: 0.0
        self._events: asyncio.Queue[tuple[str, str, str, float | None]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self, now: Callable[[], float]) -> None:
        """Make the clips a crash left pending, clear the buffer, then follow events."""
        self.now = now
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, make_dirs, self.directory)  # 0750: video of people
            pending_clips = await loop.run_in_executor(None, self._pending)
        except OSError as e:
            raise StorageError(f"cannot use {self.directory}: {e.strerror or e}") from e
        for camera_id, buf in pending_clips:
            for clip in buf.clips:
                log.warning("%s: the motion clip of %s was pending when the service stopped; "
                            "made from what was recorded", camera_id, ", ".join(clip.events),
                            extra={"CAMERA_ID": camera_id, "COMPONENT": "media"})  # fmt: skip
            if buf.open is not None:  # finished by ffmpeg after the daemon died
                seconds = await _duration(self.directory / buf.open.name)
                if seconds:
                    buf.pieces.append(plan.Piece(buf.open.name, buf.open.start, buf.open.start + seconds))
            buf.open = None
            self.cameras[camera_id] = buf
            await self._settle(camera_id)
        self.cameras.clear()
        try:
            await loop.run_in_executor(None, _clear, self.directory)
        except OSError as e:
            raise StorageError(f"cannot clear {self.directory}: {e.strerror or e}") from e
        self._task = asyncio.create_task(self._follow(), name="motion buffer events")

    async def stop(self) -> None:
        """Let the events already announced be applied (bounded), then stop following."""
        if self._task is None:
            return
        with contextlib.suppress(TimeoutError):
            await bounded(self._events.join(), 5.0)
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None

    def sink(self, camera_id: str) -> BufferSink:
        return BufferSink(self, camera_id, self.directory)

    # --- what others ask -----------------------------------------------------------------

    def capturing(self, camera_id: str) -> bool:
        """Is a clip of this camera being recorded?"""
        buf = self.cameras.get(camera_id)
        return buf is not None and bool(buf.clips)

    def state(self, camera_id: str) -> dict[str, Any]:
        buf = self.cameras.get(camera_id) or CameraBuffer()
        return {
            "seconds": round(plan.held_seconds(buf.pieces), 3),
            "bytes": sum(p.size for p in buf.pieces),
            "max_bytes": self.max_bytes,
            "capturing": bool(buf.clips),
        }

    # --- events (bus listener: only enqueues) --------------------------------------------

    def on_notification(self, n: Notification) -> None:
        if n.method != "motion_event" or n.params.get("status") not in ("started", "ended"):
            return
        status = str(n.params["status"])
        at = _seconds(n.params.get("start_time" if status == "started" else "end_time"))
        self._events.put_nowait((str(n.params.get("device")), str(n.params.get("event_id")), status, at))

    async def _follow(self) -> None:
        while True:
            camera_id, event_id, status, at = await self._events.get()
            try:
                if at is not None and self.spec_for(camera_id).mode == "motion":
                    await self._event(camera_id, event_id, status, at)
            except Exception:
                log.exception("%s: motion buffer: event %s not applied", camera_id, event_id)
            finally:
                self._events.task_done()

    async def _event(self, camera_id: str, event_id: str, status: str, at: float) -> None:
        async with self._lock:
            buf = self.cameras.setdefault(camera_id, CameraBuffer())
            capture = self.capture_for(camera_id)
            if status == "started":
                buf.clips = plan.started(buf.clips, event_id, at, capture)
            else:
                buf.clips = plan.ended(buf.clips, event_id, at, capture)
            await self._settle(camera_id)

    # --- the sink's side -----------------------------------------------------------------

    async def closed(self, camera_id: str, run: SegmentRun, segments: list[Segment]) -> None:
        """New closed pieces. Each is placed on the wall clock by its last write (ffmpeg
        closes a piece when the next one's first frame comes): a stream that stalled a moment
        shifts the run's own estimate (its first bytes plus stream time) for good, and the
        pieces an event takes are chosen by these times."""
        loop = asyncio.get_running_loop()
        stats = await loop.run_in_executor(None, _stats, self.directory, [s.name for s in segments])
        async with self._lock:
            buf = self.cameras.setdefault(camera_id, CameraBuffer())
            for s, (size, written) in zip(segments, stats, strict=True):
                end = written or s.end
                buf.pieces.append(plan.Piece(s.name, end - (s.end - s.start), end, size))
            seg = run.open_segment()
            start = buf.pieces[-1].end if buf.pieces else seg.start if seg is not None else 0.0
            buf.open = plan.Piece(seg.name, start, start) if seg is not None else None
            await self._settle(camera_id)

    async def running(self, camera_id: str, running: bool) -> None:
        """The buffer's run started or ended (a clip is made at once of what it has; the
        next run starts a fresh buffer)."""
        async with self._lock:
            buf = self.cameras.setdefault(camera_id, CameraBuffer())
            buf.running, buf.open = running, None
            await self._settle(camera_id)
            if not running:
                loop = asyncio.get_running_loop()
                await loop.run_in_executor(None, _unlink, self.directory, [p.name for p in buf.pieces])
                buf.pieces = []

    # --- doing what the plan says --------------------------------------------------------

    async def _settle(self, camera_id: str) -> None:
        buf = self.cameras[camera_id]
        spec = self.spec_for(camera_id)
        buf.clips, made = plan.due(buf.clips, buf.pieces, buf.running, spec.segment_seconds)
        for clip in made:
            await self._make(camera_id, clip, spec.format)
        loop = asyncio.get_running_loop()
        gone = plan.prune(buf.pieces, buf.clips, self.now(), self.capture_for(camera_id), self.max_bytes)
        if gone:
            await loop.run_in_executor(None, _unlink, self.directory, [p.name for p in gone])
            buf.pieces = [p for p in buf.pieces if p not in gone]
        await loop.run_in_executor(None, self._save, camera_id, buf)

    async def _make(self, camera_id: str, clip: plan.Made, fmt: str) -> None:
        loop = asyncio.get_running_loop()
        name = await loop.run_in_executor(None, self._free_name, camera_id, fmt, clip.start)
        target = self.recordings / name
        temp = self.recordings / f".{name}.making"
        script = self.directory / f".{camera_id}.clip.ffconcat"
        text = ffconcat.files_script([str(self.directory / p.name) for p in clip.pieces])
        comment = json.dumps({"events": list(clip.events)})
        try:
            await loop.run_in_executor(None, script.write_text, text)
            rc, tail = await ffmpeg.run(join_args(script, temp, fmt, comment),
                                        name=f"{camera_id} motion clip", time_limit=JOIN_TIMEOUT)  # fmt: skip
            if rc != 0 or not await ffprobe_valid(temp):
                raise FFmpegError(f"ffmpeg exit {rc}", tail)
            await loop.run_in_executor(None, os.replace, temp, target)
        except (FFmpegError, OSError) as e:
            log.error("%s: cannot make the motion clip %s: %s", camera_id, name, e,
                      extra={"CAMERA_ID": camera_id, "COMPONENT": "media"})  # fmt: skip
            return
        finally:
            await loop.run_in_executor(None, _unlink, self.directory.parent, [str(temp), str(script)])
        journal = self.store.camera(camera_id)
        journal.add_segments([Segment(name, clip.start, clip.end)])
        journal.add_transition(Transition(clip.end, "idle", NO_MOTION))
        await self.store.save_journal()
        duration = clip.end - clip.start
        log.info("%s: motion clip %s (%.1f s) for %s", camera_id, name, duration, ", ".join(clip.events),
                 extra={"CAMERA_ID": camera_id, "COMPONENT": "media"})  # fmt: skip
        self.publish(Notification("recording_status_update", "recording.stop", {
            "device": camera_id, "status": "STOPPED", "filename": name, "duration": round(duration),
            "format": fmt, "mode": "motion", "phase": "clip", "events": list(clip.events),
        }, device=camera_id))  # fmt: skip

    def _free_name(self, camera_id: str, fmt: str, start: float) -> str:
        name = recording_filename(camera_id, fmt, start)
        n = 0
        while (self.recordings / (numbered(name, n) if n else name)).exists():
            n += 1
        return numbered(name, n) if n else name

    # --- the pending clips' file ---------------------------------------------------------

    def _save(self, camera_id: str, buf: CameraBuffer) -> None:
        path = self.directory / f"{camera_id}{pending.SUFFIX}"
        if not buf.clips:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            return
        try:
            write_atomically(path, pending.encode(buf))
        except OSError as e:  # a full disk: the clip is still made while the service runs
            log.debug("%s: cannot save %s: %s", camera_id, path.name, e)

    def _pending(self) -> list[tuple[str, CameraBuffer]]:
        out = []
        for path in sorted(self.directory.glob(f"camera*{pending.SUFFIX}")):
            try:
                buf = pending.decode(path.read_text())
            except (OSError, ValueError) as e:  # (UnicodeDecodeError is a ValueError)
                log.warning("%s is not readable (%s); its clip is lost", path, e)
                continue
            buf.pieces = [p for p in buf.pieces if (self.directory / p.name).is_file()]
            if buf.open is not None and not (self.directory / buf.open.name).is_file():
                buf.open = None
            out.append((path.name.removesuffix(pending.SUFFIX), buf))
        return out


def _seconds(iso: object) -> float | None:
    if not isinstance(iso, str):
        return None
    try:
        return datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return None


async def _duration(path: Path) -> float | None:
    try:
        return await ffprobe_duration(path)
    except FFmpegError:
        return None


def _stats(directory: Path, names: list[str]) -> list[tuple[int, float]]:
    """Each file's size and the time of its last write (0, 0 when it is gone)."""
    out = []
    for name in names:
        try:
            st = (directory / name).stat()
        except OSError:
            out.append((0, 0.0))
            continue
        out.append((st.st_size, st.st_mtime))
    return out


def _unlink(directory: Path, names: list[str]) -> None:
    for name in names:
        with contextlib.suppress(OSError):
            (directory / name).unlink()


def _clear(directory: Path) -> None:
    """Blocking: remove everything in the buffer folder (pieces, lists, scripts)."""
    with os.scandir(directory) as it:
        for entry in it:
            if entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
