"""One recording = one ffmpeg copying the camera's stream (``-c copy``) into a file.

Formats: ``fmp4`` (fragmented MP4, the default: every key frame closes a fragment, so the
file stays playable if the process is killed), ``mp4`` (moov moved to the front when the
recording is finalized; needs a clean stop) and ``mkv``. With ``segment_seconds > 0``
ffmpeg's segment muxer writes ``NAME_000.ext``, ``NAME_001.ext``, ... and all of them are
listed in ``Recording.segments``.

Life of a ``RecordingJob``::

    start()  spawn ffmpeg, wait (bounded) for the first bytes on disk -> RECORDING
             ffmpeg exits before that -> FFmpegError (no file is reported)
    stop()   "q" / SIGINT / SIGTERM / SIGKILL (bounded), ffprobe the file -> STOPPED
    ffmpeg exits by itself: at the requested duration -> STOPPED;
             otherwise (stream lost, camera gone) -> FAILED with the reason; file kept

``on_end`` is called exactly once with the final ``Recording``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
from collections.abc import Callable
from pathlib import Path

from ..errors import FFmpegError
from ..models import Clock
from ..models_recordings import Recording, RecordingStatus
from ..waits import settle
from . import ffmpeg
from .ffprobe import ffprobe_duration, ffprobe_valid
from .filenames import segment_name, segment_regex
from .muxing import read_segment_list, recording_args, segment_list_path

log = logging.getLogger(__name__)

POLL = 0.05
PROBE_LEAD = 0.5  # reader_input.probe_options: the stream a copy reads before its header
class RecordingJob:
    def __init__(
        self,
        *,
        camera_id: str,
        url: str,
        directory: Path,
        filename: str,
        fmt: str,
        duration: float | None,
        segment_seconds: int,
        stop_timeout: float,
        start_timeout: float,
        io_timeout: float,
        on_end: Callable[[Recording], None] = lambda rec: None,
        clock: Clock | None = None,
        fps: float | None = None,
        first_segment: int = 0,
    ) -> None:
        self.camera_id = camera_id
        self.directory = directory
        self.filename = filename
        self.fmt = fmt
        self.duration = duration
        self.segmented = segment_seconds > 0
        self.stop_timeout = stop_timeout
        self.start_timeout = start_timeout
        self._on_end = on_end
        self._clock = clock or Clock()
        self._segment_re = segment_regex(filename)
        self.first_segment = first_segment
        self.url = url
        self.proc = ffmpeg.FFmpegProcess(
            recording_args(
                url, directory / filename, fmt, duration, segment_seconds, io_timeout, fps,
                first_segment,
            ),
            name=f"{camera_id} recording",
            camera_id=camera_id,
            script=ffmpeg.input_script(url, io_timeout),  # a URL with credentials
        )
        self._start_time = 0.0
        self.first_frame_at = 0.0
        self.exited_at: float | None = None  # wall time: nothing was recorded after it
        self._exit: asyncio.Task[int] | None = None
        self._watch: asyncio.Task[Recording] | None = None
        self._stop_reason: str | None = None
        self._stop_fails = False
        self.final: Recording | None = None

    # --- what is being written ---------------------------------------------------------

    @property
    def first_file(self) -> str:
        return segment_name(self.filename, self.first_segment) if self.segmented else self.filename

    def owns(self, path: Path) -> bool:
        """True for the file(s) this recording writes (no I/O: safe from any thread)."""
        if path.parent != self.directory:
            return False
        return path.name == self.filename or bool(self._segment_re.match(path.name))

    def files(self) -> list[Path]:
        if not self.segmented:
            p = self.directory / self.filename
            return [p] if p.exists() else []
        with os.scandir(self.directory) as it:
            names = [e.name for e in it if self._segment_re.match(e.name)]
        mine = [n for n in names if self._segment_index(n) >= self.first_segment]
        return [self.directory / n for n in sorted(mine, key=self._segment_index)]

    def _segment_index(self, name: str) -> int:
        m = self._segment_re.match(name)
        return int(m.group(1)) if m else -1

    @property
    def recording(self) -> Recording:
        if self.final is not None:
            return self.final
        now = self._clock.time()
        return Recording(
            camera_id=self.camera_id,
            filename=self.first_file,
            format=self.fmt,
            start_time=self._start_time,
            duration=max(0.0, now - self._start_time),
        )

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> Recording:
        """Spawn ffmpeg and return once bytes reach the disk (bounded by start_timeout)."""
        self._start_time = self._clock.time()
        await self.proc.start()
        self._exit = asyncio.create_task(self.proc.wait(), name=f"{self.camera_id} ffmpeg")
        self._exit.add_done_callback(self._exited)
        first = self.directory / self.first_file
        deadline = self._clock.monotonic() + self.start_timeout
        try:
            while not _has_bytes(first):
                if self._exit.done():
                    rc = self._exit.result()
                    self.proc.log_failure(f"recording did not start (exit {rc})")
                    self._discard_empty()
                    raise FFmpegError(
                        "recording did not start: "
                        + (self.proc.last_error_line() or f"ffmpeg exit {rc}"),
                        self.proc.stderr_tail(),
                    )
                if self._clock.monotonic() > deadline:
                    await self.proc.stop(0.0, step_timeout=1.0)
                    self.proc.log_failure("no data from the camera")
                    self._discard_empty()
                    raise FFmpegError(
                        f"recording did not start: no data within {self.start_timeout:g}s",
                        self.proc.stderr_tail(),
                    )
                await asyncio.wait({self._exit}, timeout=POLL)
        except asyncio.CancelledError:
            await self.proc.reap()  # nothing left for the garbage collector
            await settle(self._exit, ffmpeg.STEP_TIMEOUT)
            raise
        # the header is written once ffmpeg has read the probe's lead of the stream
        self.first_frame_at = max(self._start_time, self._clock.time() - PROBE_LEAD)
        self._watch = asyncio.create_task(self._run(), name=f"{self.camera_id} recording")
        log.info(
            "%s: recording %s (%s) started",
            self.camera_id,
            self.first_file,
            self.fmt,
            extra={"CAMERA_ID": self.camera_id, "COMPONENT": "media"},
        )
        return self.recording

    def _exited(self, _: object) -> None:
        self.exited_at = self._clock.time()

    async def stop(self, reason: str = "stopped on request", failed: bool = False) -> Recording:
        """Finish the file gracefully (bounded) and return the final ``Recording``."""
        if self._watch is None:
            raise RuntimeError("recording not started")
        # ffmpeg that already exited by itself keeps its own outcome (stream lost, duration)
        if self.final is None and self._stop_reason is None and self.proc.running:
            self._stop_reason = reason
            self._stop_fails = failed
            await self.proc.stop(self.stop_timeout)
        return await asyncio.shield(self._watch)

    async def wait(self) -> Recording:
        """The final ``Recording`` once the job has ended (however it ends)."""
        if self._watch is None:
            raise RuntimeError("recording not started")
        return await asyncio.shield(self._watch)

    @property
    def stopping(self) -> bool:
        return self._stop_reason is not None or self.final is not None

    def kill(self) -> None:
        self.proc.kill()

    async def _run(self) -> Recording:
        assert self._exit is not None
        rc = await self._exit
        try:
            final = await self._finalize(rc)
        except Exception as e:
            log.exception("%s: finalizing recording failed", self.camera_id)
            final = dataclasses.replace(
                self.recording, status=RecordingStatus.FAILED, reason=f"finalizing failed: {e}"
            )
        self.final = final
        try:
            self._on_end(final)
        except Exception:
            log.exception("%s: recording end listener failed", self.camera_id)
        return final

    async def _finalize(self, rc: int) -> Recording:
        end = self._clock.time()
        loop = asyncio.get_running_loop()
        files = await loop.run_in_executor(None, self.files)
        files = await loop.run_in_executor(None, _drop_empty, files)
        size = sum(s for s in await loop.run_in_executor(None, _sizes, files))
        durations = await self._durations(files)
        valid = bool(files) and await ffprobe_valid(files[-1])
        recorded = sum(d for d in durations if d) if any(durations) else None

        status, reason = self._outcome(rc, valid, recorded)
        if status is RecordingStatus.FAILED and self._stop_reason is None:
            self.proc.log_failure(f"recording failed: {reason}")
        log.info(
            "%s: recording %s %s%s",
            self.camera_id,
            self.first_file,
            status.value,
            f" ({reason})" if reason else "",
            extra={"CAMERA_ID": self.camera_id, "COMPONENT": "media"},
        )
        return Recording(
            camera_id=self.camera_id,
            filename=files[0].name if files else self.first_file,
            format=self.fmt,
            start_time=self._start_time,
            status=status,
            end_time=end,
            duration=recorded if recorded is not None else max(0.0, end - self._start_time),
            file_size=size,
            segments=tuple(p.name for p in files) if self.segmented else (),
            reason=reason,
        )

    async def _durations(self, files: list[Path]) -> list[float | None]:
        """Segments closed by ffmpeg have their times in its list; only the others (the one
        open when ffmpeg died, or a single file) are probed."""
        known: dict[str, float] = {}
        if self.segmented:
            listing = segment_list_path(self.directory / self.filename)
            loop = asyncio.get_running_loop()
            known = await loop.run_in_executor(None, read_segment_list, listing)
            with contextlib.suppress(OSError):
                await loop.run_in_executor(None, listing.unlink)
        return [
            known[p.name] if p.name in known else await ffprobe_duration(p) for p in files
        ]

    def _outcome(
        self, rc: int, valid: bool, recorded: float | None
    ) -> tuple[RecordingStatus, str]:
        if not valid:
            why = self._stop_reason or _exit_reason(rc, self.proc.last_error_line())
            return RecordingStatus.FAILED, f"{why}; no playable file was written"
        if self._stop_reason is not None:
            status = RecordingStatus.FAILED if self._stop_fails else RecordingStatus.STOPPED
            return status, "" if self._stop_reason == "stopped on request" else self._stop_reason
        if self.duration is not None and rc == 0 and recorded is not None:
            if recorded >= self.duration - max(1.0, 0.1 * self.duration):
                return RecordingStatus.STOPPED, "duration reached"
        return RecordingStatus.FAILED, "stream lost: " + _exit_reason(
            rc, self.proc.last_error_line()
        )

    def _discard_empty(self) -> None:
        with contextlib.suppress(OSError):
            _drop_empty(self.files())
        with contextlib.suppress(OSError):
            segment_list_path(self.directory / self.filename).unlink()


def _exit_reason(rc: int, last_line: str) -> str:
    if rc == 0:
        return "the camera stream ended"
    code = f"ffmpeg killed by signal {-rc}" if rc < 0 else f"ffmpeg exit {rc}"
    return f"{code}: {last_line}" if last_line else code


def _has_bytes(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


def _sizes(files: list[Path]) -> list[int]:
    out = []
    for p in files:
        with contextlib.suppress(OSError):
            out.append(p.stat().st_size)
    return out


def _drop_empty(files: list[Path]) -> list[Path]:
    """Remove zero-byte files (nothing to keep) and return the others."""
    kept = []
    for p in files:
        try:
            if p.stat().st_size == 0:
                p.unlink()
                continue
        except OSError:
            continue
        kept.append(p)
    return kept
