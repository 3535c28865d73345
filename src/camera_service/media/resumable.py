"""A manual or timed recording that survives its source's faults (MediaMTX killed or
restarted, a network camera that drops and returns, a stalled stream).

It is written in pieces, one ``RecordingJob`` (one ffmpeg) each; ``resume`` decides what
follows each piece. A piece lost under it pauses the recording (``on_status`` tells why)
and a new piece starts as soon as the source answers again (its RTSP port accepts, then
ffmpeg gets data), from wherever ``source()`` says to read now; a recording that reads the
camera directly while MediaMTX is down goes back to MediaMTX as soon as ``source()`` says
so, so there is one reader of the camera at a time. A timed recording asks each piece for
the recorded time still missing.

To the API it stays one recording: a one-file recording's later pieces are
``NAME.partN.ext`` while it runs and are joined into ``NAME`` by stream copy when it ends
(``joining``); a segmented one numbers its segments on across pieces. Every piece is
playable as it is written (fragmented MP4 by default), so a crash loses nothing.

``on_end`` is called exactly once with the final ``Recording``.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from ..errors import MediaError
from ..models import Clock
from ..models_recordings import Recording, RecordingStatus
from ..waits import wait_event
from . import joining
from . import resume as rs
from .preroll import Feed
from .preroll_job import PrerollJob
from .recordings import RecordingJob
from .segmenter import port_open

log = logging.getLogger(__name__)

WATCH = 0.25  # seconds between checks of the source while a piece runs
Status = Callable[[Recording, str], None]  # (the recording now, "paused" | "resumed")
Piece = RecordingJob | PrerollJob


class ResumableRecording:
    def __init__(
        self, *, camera_id: str, source: Callable[[], str], directory: Path, filename: str,
        fmt: str, duration: float | None, segment_seconds: int, stop_timeout: float,
        start_timeout: float, io_timeout: float, on_end: Callable[[Recording], None],
        on_status: Status = lambda rec, what: None, clock: Clock | None = None,
        fps: float | None = None, reachable: Callable[[str], Awaitable[bool]] = port_open,
        preroll: Callable[[str], Feed | None] = lambda url: None,
    ) -> None:  # fmt: skip
        self.camera_id = camera_id
        self.source = source
        self.directory = directory
        self.filename = filename
        self.fmt = fmt
        self.duration = duration
        self.segment_seconds = segment_seconds
        self.stop_timeout = stop_timeout
        self.start_timeout = start_timeout
        self.io_timeout = io_timeout
        self.fps = fps
        self.frame = 1.0 / fps if fps else 0.1
        self._on_end = on_end
        self._on_status = on_status
        self._clock = clock or Clock()
        self._reachable = reachable
        self._preroll = preroll  # a live camera's held GOP (preroll.PrerollKeeper.feed)
        self.pieces: list[rs.Piece] = []
        self.piece: Piece | None = None
        self._all: list[Piece] = []
        self._start_time = 0.0
        self._stop_reason: str | None = None
        self._stop_fails = False
        self._stop_event = asyncio.Event()
        self.paused = ""
        self._task: asyncio.Task[Recording] | None = None
        self.final: Recording | None = None

    # --- what is being written ---------------------------------------------------------

    def owns(self, path: Path) -> bool:
        return any(job.owns(path) for job in self._all) or (
            path.parent == self.directory and path.name.startswith(f".{self.filename}.")
        )

    @property
    def stopping(self) -> bool:
        return self._stop_reason is not None or self.final is not None

    @property
    def recording(self) -> Recording:
        if self.final is not None:
            return self.final
        piece = self.piece
        running = piece is not None and piece.final is None
        current = max(0.0, self._clock.time() - piece.first_frame_at) if piece and running else 0.0
        first = self.pieces[0].files[0] if self.pieces and self.pieces[0].files else self._first_file()
        return Recording(self.camera_id, first, self.fmt, self._start_time,
                         duration=rs.recorded(self.pieces) + current,
                         wall_duration=max(0.0, self._clock.time() - self._start_time),
                         gaps=rs.recording_gaps(self.pieces), paused=self.paused)  # fmt: skip

    def _first_file(self) -> str:
        return self._all[0].first_file if self._all else self.filename

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> Recording:
        """The first piece: raises ``MediaError`` when it does not start (nothing kept)."""
        self._start_time = self._clock.time()
        self.piece = await self._start_piece(self.source())
        self._start_time = self.piece.first_frame_at
        self._task = asyncio.create_task(self._run(), name=f"{self.camera_id} recording")
        return self.recording

    async def stop(self, reason: str = "stopped on request", failed: bool = False) -> Recording:
        if self._task is None:
            raise RuntimeError("recording not started")
        if self.final is None and self._stop_reason is None:
            self._stop_reason, self._stop_fails = reason, failed
            self._stop_event.set()
            piece = self.piece
            if piece is not None and piece.final is None:
                await piece.stop(reason, failed)
        return await asyncio.shield(self._task)

    async def wait(self) -> Recording:
        if self._task is None:
            raise RuntimeError("recording not started")
        return await asyncio.shield(self._task)

    def kill(self) -> None:
        if self.piece is not None:
            self.piece.kill()

    async def _start_piece(self, url: str) -> Piece:
        n = len(self._all)
        segmented = self.segment_seconds > 0
        filename = self.filename if n == 0 or segmented else rs.part_name(self.filename, n)
        feed = self._preroll(url) if self.fmt == "fmp4" and not segmented else None
        job: Piece
        if feed is not None:  # written from the held GOP: media on disk at once
            job = PrerollJob(camera_id=self.camera_id, feed=feed, directory=self.directory,
                             filename=filename, duration=rs.remaining(self.duration, self.pieces),
                             clock=self._clock, fps=self.fps)  # fmt: skip
        else:
            job = self._ffmpeg_piece(url, filename)
        self._all.append(job)
        try:
            await job.start()
        except BaseException:
            self._all.remove(job)
            raise
        return job

    def _ffmpeg_piece(self, url: str, filename: str) -> RecordingJob:
        segmented = self.segment_seconds > 0
        return RecordingJob(
            camera_id=self.camera_id, url=url, directory=self.directory,
            filename=filename, fmt=self.fmt, duration=rs.remaining(self.duration, self.pieces),
            segment_seconds=self.segment_seconds, stop_timeout=self.stop_timeout,
            start_timeout=self.start_timeout, io_timeout=self.io_timeout, clock=self._clock,
            fps=self.fps, first_segment=sum(len(p.files) for p in self.pieces) if segmented else 0,
        )  # fmt: skip

    # --- the run -----------------------------------------------------------------------

    async def _run(self) -> Recording:
        try:
            final = await self._pieces()
        except Exception as e:
            log.exception("%s: recording failed", self.camera_id)
            final = dataclasses.replace(
                self.recording, status=RecordingStatus.FAILED, end_time=self._clock.time(),
                reason=f"recording failed: {e}",
            )  # fmt: skip
        self.final = final
        try:
            self._on_end(final)
        except Exception:
            log.exception("%s: recording end listener failed", self.camera_id)
        return final

    async def _pieces(self) -> Recording:
        while True:
            assert self.piece is not None
            switching = await self._watch(self.piece)
            piece = await self.piece.wait()
            cause = "" if switching or self.stopping else _cause(piece)
            if piece.segments or (piece.file_size > 0 and piece.duration):
                files = piece.segments or (piece.filename,)
                start = rs.piece_start(self.piece.first_frame_at, self.piece.exited_at, piece.duration or 0.0)
                self.pieces.append(rs.Piece(files, start, piece.duration or 0.0, cause))
            reached = piece.reason == "duration reached" or rs.duration_reached(
                self.duration, self.pieces, self.frame)
            step = rs.after_piece(stop_requested=self.stopping, switching=switching, reached=reached)
            self.piece = None
            if step is rs.Next.FINISH:
                return await self._finish(reached)
            if step is rs.Next.SWITCH and await self._resume_once():
                continue
            if not await self._paused(cause or rs.SWITCHED):
                return await self._finish(False)

    async def _watch(self, piece: Piece) -> bool:
        """Wait for the piece to end; True when it was ended because the source changed."""
        done = asyncio.ensure_future(piece.wait())
        try:
            while True:
                finished, _ = await asyncio.wait({done}, timeout=WATCH)
                if finished:
                    return False
                url = self.source()
                if url != piece.url and not self.stopping and await self._reachable(url):
                    log.info("%s: recording switches its source", self.camera_id,
                             extra={"CAMERA_ID": self.camera_id, "COMPONENT": "media"})  # fmt: skip
                    ended = await piece.stop(rs.SWITCHED)
                    # a piece that had ended by itself meanwhile was lost, not switched
                    return ended.reason == rs.SWITCHED
        finally:
            done.cancel()

    async def _resume_once(self) -> bool:
        """Start the next piece; a stop that came while it started ends it at once."""
        try:
            self.piece = await self._start_piece(self.source())
        except MediaError as e:
            log.debug("%s: resume attempt failed: %s", self.camera_id, e)
            return False
        if self.stopping:
            await self.piece.stop(self._stop_reason or "stopped on request", self._stop_fails)
        return True

    async def _paused(self, cause: str) -> bool:
        """Wait for the source and start the next piece; False when stopped meanwhile."""
        self.paused = cause
        log.warning("%s: recording paused (%s)", self.camera_id, cause,
                    extra={"CAMERA_ID": self.camera_id, "COMPONENT": "media"})  # fmt: skip
        self._on_status(self.recording, "paused")
        failures, failed_at = 0, 0.0
        while not self.stopping:
            await wait_event(self._stop_event, rs.FIRST_RETRY)
            if self.stopping:
                return False
            since = self._clock.monotonic() - failed_at
            if not rs.should_attempt(await self._reachable(self.source()), failures, since):
                continue
            if not await self._resume_once():
                failures, failed_at = failures + 1, self._clock.monotonic()
                continue
            if self.stopping:  # stopped while the piece was starting: it has ended with it
                return True
            self.paused = ""
            log.info("%s: recording resumed", self.camera_id,
                     extra={"CAMERA_ID": self.camera_id, "COMPONENT": "media"})  # fmt: skip
            self._on_status(self.recording, "resumed")
            return True
        return False

    async def _finish(self, reached: bool) -> Recording:
        end = self._clock.time()
        gaps = rs.recording_gaps(self.pieces)
        recorded = rs.recorded(self.pieces)
        files = [f for p in self.pieces for f in p.files]
        if self.segment_seconds == 0 and len(files) > 1:
            comment = joining.gaps_comment([rs.gap_object(g) for g in gaps], recorded,
                                           end - self._start_time)  # fmt: skip
            if await joining.join([self.directory / f for f in files], self.fmt, comment,
                                  self.camera_id):  # fmt: skip
                files = files[:1]
        sizes = await asyncio.get_running_loop().run_in_executor(None, _sizes, self.directory, files)
        status, reason = self._outcome(reached, bool(files))
        log.info("%s: recording %s %s (%.1f s recorded, %d gap(s))%s", self.camera_id,
                 files[0] if files else self.filename, status.value, recorded, len(gaps),
                 f" ({reason})" if reason else "",
                 extra={"CAMERA_ID": self.camera_id, "COMPONENT": "media"})  # fmt: skip
        return Recording(
            camera_id=self.camera_id, filename=files[0] if files else self._first_file(),
            format=self.fmt, start_time=self._start_time, status=status, end_time=end,
            duration=recorded, file_size=sum(sizes),
            segments=tuple(files) if self.segment_seconds > 0 or len(files) > 1 else (),
            reason=reason, wall_duration=max(0.0, end - self._start_time), gaps=gaps,
        )  # fmt: skip

    def _outcome(self, reached: bool, kept: bool) -> tuple[RecordingStatus, str]:
        if not kept:
            why = self._stop_reason or "stream lost"
            return RecordingStatus.FAILED, f"{why}; no playable file was written"
        if reached and self._stop_reason is None:
            return RecordingStatus.STOPPED, "duration reached"
        if self._stop_fails:
            return RecordingStatus.FAILED, self._stop_reason or ""
        reason = self._stop_reason or ""
        return RecordingStatus.STOPPED, "" if reason == "stopped on request" else reason


def _cause(piece: Recording) -> str:
    """Why a piece ended by itself: its reason (``stream lost: ...``)."""
    return piece.reason.removesuffix("; no playable file was written") or "stream lost"


def _sizes(directory: Path, files: list[str]) -> list[int]:
    out = []
    for name in files:
        with contextlib.suppress(OSError):
            out.append((directory / name).stat().st_size)
    return out
