"""A recording written by the daemon from a camera's pre-roll (``preroll.Feed``): the same
life and answers as ``recordings.RecordingJob``, without an ffmpeg of its own.

``start`` writes the init segment and the current GOP (renumbered to start at time 0) in
one write, so the file holds media from the last key frame as soon as it returns; every
frame after it is appended as the keeper hands it on. A timed recording ends when the
frames written add up to the asked duration (their own durations, from the muxer). The
feed's end (the keeper's ffmpeg lost the stream, or its source changed) ends the job as a
stream lost, like an ffmpeg of its own would. Files are written in the default executor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from pathlib import Path

from ..errors import StorageError
from ..models import Clock
from ..models_recordings import Recording, RecordingStatus
from . import fmp4
from .ffprobe import ffprobe_valid
from .preroll import Feed, Frame

log = logging.getLogger(__name__)


class PrerollJob:
    def __init__(
        self, *, camera_id: str, feed: Feed, directory: Path, filename: str,
        duration: float | None, clock: Clock | None = None, fps: float | None = None,
    ) -> None:  # fmt: skip
        self.camera_id = camera_id
        self.feed = feed
        self.url = feed.url
        self.directory = directory
        self.filename = filename
        self.first_file = filename
        self.fmt = "fmp4"
        self.duration = duration
        self.half_frame = 0.5 / fps if fps else 0.0
        self._clock = clock or Clock()
        self._timescale = feed.defaults.timescale
        self._fd: int | None = None
        self._offset: int | None = None  # decode time of the first frame written
        self._sequence = 0
        self._ticks = 0  # media written, in the track's time scale
        self.first_frame_at = 0.0
        self.exited_at: float | None = None
        self._start_time = 0.0
        self._stop_reason: str | None = None
        self._stop_fails = False
        self._reached = False
        self._watch: asyncio.Task[Recording] | None = None
        self.final: Recording | None = None

    @property
    def recorded(self) -> float:
        return self._ticks / self._timescale

    def owns(self, path: Path) -> bool:
        return path == self.directory / self.filename

    @property
    def recording(self) -> Recording:
        if self.final is not None:
            return self.final
        return Recording(self.camera_id, self.filename, self.fmt, self._start_time, duration=self.recorded)

    @property
    def stopping(self) -> bool:
        return self._stop_reason is not None or self.final is not None

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> Recording:
        """Create the file and write the held GOP; raises ``StorageError`` (nothing kept)."""
        loop = asyncio.get_running_loop()
        path = self.directory / self.filename
        try:
            self._fd = await loop.run_in_executor(None, _create, path)
        except OSError as e:
            self.feed.end("not started")
            raise StorageError(f"cannot create {self.filename}: {e}") from e
        first = self.feed.backlog[0]
        # the keeper gets a frame when the next one is muxed: it began a frame earlier
        self._start_time = self.first_frame_at = first.arrived - first.info.duration / self._timescale
        try:
            await self._write([self.feed.init, *self._boxes(self.feed.backlog)])
        except BaseException as e:
            self.feed.end("not started")
            await loop.run_in_executor(None, _discard, self._fd, path)
            if isinstance(e, OSError):
                raise StorageError(f"cannot write {self.filename}: {e}") from e
            raise
        self.exited_at = None
        self._watch = asyncio.create_task(self._run(), name=f"{self.camera_id} recording")
        log.info("%s: recording %s (fmp4) started from the pre-roll, %.2f s before it was asked",
                 self.camera_id, self.filename, max(0.0, self._clock.time() - self.first_frame_at),
                 extra={"CAMERA_ID": self.camera_id, "COMPONENT": "media"})  # fmt: skip
        return self.recording

    async def stop(self, reason: str = "stopped on request", failed: bool = False) -> Recording:
        if self._watch is None:
            raise RuntimeError("recording not started")
        if self.final is None and self._stop_reason is None and not self.feed.closed:
            self._stop_reason, self._stop_fails = reason, failed
            self.feed.end(reason)
        return await asyncio.shield(self._watch)

    async def wait(self) -> Recording:
        if self._watch is None:
            raise RuntimeError("recording not started")
        return await asyncio.shield(self._watch)

    def kill(self) -> None:
        """Stop taking frames at once (what is written stays)."""
        if self._stop_reason is None:
            self._stop_reason = "stopped"
        self.feed.end(self._stop_reason)

    # --- writing -----------------------------------------------------------------------

    def _boxes(self, frames: list[Frame]) -> list[bytes]:
        out = []
        for frame in frames:
            if self._offset is None:
                self._offset = frame.info.decode_time
            self._sequence += 1
            out += [fmp4.renumber(frame.moof, frame.info, self._sequence, self._offset), frame.mdat]
            self._ticks += frame.info.duration
            self.exited_at = frame.arrived
        return out

    async def _write(self, parts: list[bytes]) -> None:
        assert self._fd is not None
        await asyncio.get_running_loop().run_in_executor(None, _write_all, self._fd, b"".join(parts))

    def _done(self) -> bool:
        if self.duration is None or self.recorded < self.duration - self.half_frame:
            return False
        self._reached = True
        return True

    async def _run(self) -> Recording:
        error = ""
        try:
            while not self._done():
                frame = await self.feed.queue.get()
                if frame is None:
                    break
                await self._write(self._boxes([frame]))
        except OSError as e:
            error = f"cannot write the recording: {e}"
        finally:
            self.feed.end(self.feed.reason or "stopped")
            if self._fd is not None:
                await asyncio.get_running_loop().run_in_executor(None, os.close, self._fd)
                self._fd = None
        self.final = await self._finalize(error)
        return self.final

    async def _finalize(self, error: str) -> Recording:
        end = self._clock.time()
        path = self.directory / self.filename
        valid = await ffprobe_valid(path)
        size = 0
        with contextlib.suppress(OSError):
            size = path.stat().st_size
        status, reason = self._outcome(valid, error)
        log.info("%s: recording %s %s%s", self.camera_id, self.filename, status.value,
                 f" ({reason})" if reason else "",
                 extra={"CAMERA_ID": self.camera_id, "COMPONENT": "media"})  # fmt: skip
        return Recording(camera_id=self.camera_id, filename=self.filename, format=self.fmt,
                         start_time=self._start_time, status=status, end_time=end,
                         duration=self.recorded, file_size=size, reason=reason)  # fmt: skip

    def _outcome(self, valid: bool, error: str) -> tuple[RecordingStatus, str]:
        lost = error or self.feed.reason or "stream lost"
        if not valid:
            return RecordingStatus.FAILED, f"{self._stop_reason or lost}; no playable file was written"
        if self._stop_reason is not None:
            status = RecordingStatus.FAILED if self._stop_fails else RecordingStatus.STOPPED
            return status, "" if self._stop_reason == "stopped on request" else self._stop_reason
        if self._reached and not error:
            return RecordingStatus.STOPPED, "duration reached"
        return RecordingStatus.FAILED, lost if lost.startswith("stream lost") else f"stream lost: {lost}"


def _create(path: Path) -> int:
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)  # as ffmpeg does


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _discard(fd: int, path: Path) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)
    with contextlib.suppress(OSError):
        path.unlink()
