"""One ffmpeg writing one camera's continuous recording as contiguous segments.

ffmpeg's segment muxer cuts on key frames at every ``segment_seconds`` and names each file
by camera and start time (``camera0_YYYY-MM-DD_HH-MM-SS.mp4``, UTC: ffmpeg runs with
``TZ=UTC0`` for ``-strftime``), the same names ``list_recordings`` parses. H.264 from a
camera or MediaMTX is copied (no second encode); only the test pattern's lavfi source is
encoded, with a key frame forced at every segment boundary. fmp4 segments are fragmented
(a fragment per key frame, flushed at once), so the open one plays while it is written and
after a crash.

ffmpeg lists each closed segment with its start and end on the stream's clock in a hidden
CSV file (``.cameraN_<run>.segments.csv``); ``SegmentRun.poll`` reads new lines and places
them on the wall clock as ``segment_list.Placement`` says (the muxer's own clock, from its
progress reports; until the first, the first bytes on disk, ``PROBE_LEAD`` after the run's
first frame), after probing the run's first segment for its first frames' lead.

``port_open`` is the cheap check between failed runs: while a camera's RTSP address refuses
connections there is no point in starting ffmpeg.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import FFmpegError
from ..models import Clock
from ..waits import bounded, settle
from . import ffmpeg, fmp4
from .ffprobe import ffprobe_duration, ffprobe_packet_times
from .filenames import stamp
from .segment_list import Placement, name_regex, parse_list, progress_out_time, segment_args
from .stream_clock import LEAD_PACKETS, first_frame_lead, listed_lead
from .timeline import Segment

log = logging.getLogger(__name__)

POLL = 0.05
PROBE_LEAD = 0.5  # ffmpeg.input_args' analyzeduration: stream read before the first bytes


class SegmentRun:
    """``start`` → (``poll`` ...) → ``stop`` or ``wait``; ``closed`` holds the segments ffmpeg
    has finished, ``open_name`` the one being written."""

    def __init__(
        self, *, camera_id: str, url: str, directory: Path, fmt: str, segment_seconds: int,
        io_timeout: float, clock: Clock, foreign: Callable[[Path], bool] = lambda p: False,
    ) -> None:  # fmt: skip
        self.camera_id = camera_id
        self.url = url
        self.directory = directory
        self.fmt = fmt
        self.clock = clock
        self._foreign = foreign
        self.started_wall = clock.time()
        self.started_mono = clock.monotonic()
        self.list_path = directory / f".{camera_id}_{self.started_wall:.3f}.segments.csv"
        self._re = name_regex(camera_id, fmt)
        self._first_stamp = stamp(self.started_wall)
        self.proc = ffmpeg.FFmpegProcess(
            segment_args(url, directory, camera_id, fmt, segment_seconds, io_timeout, self.list_path),
            name=f"{camera_id} continuous recording", camera_id=camera_id, env={"TZ": "UTC0"},
            script=ffmpeg.input_script(url, io_timeout), stdout=True,  # the progress reports
        )  # fmt: skip
        self.placement = Placement(self.started_wall)
        self._progress: asyncio.Task[None] | None = None
        self.closed: list[Segment] = []
        self.open_name: str | None = None
        self.last_open: str | None = None  # the segment open when the run ended
        self._exit: asyncio.Task[int] | None = None
        self._start_noise = ""

    def end_reason(self, rc: int) -> str:
        """Why a run that was recording ended by itself: ffmpeg's last stderr line if it
        wrote one since the recording started (warnings from the start are not the cause)."""
        line = self.proc.last_error_line()
        if line and line != self._start_noise:
            return line
        return "the stream ended" if rc == 0 else f"ffmpeg exit {rc}"

    # --- files -------------------------------------------------------------------------

    def _run_files(self) -> list[str]:
        """This run's segment files, oldest first (blocking: call in a thread)."""
        try:
            with os.scandir(self.directory) as it:
                names = [e.name for e in it if self._re.match(e.name)]
        except OSError:
            return []
        mine = [n for n in names if n[len(self.camera_id) + 1 :] >= self._first_stamp]
        return sorted(n for n in mine if not self._foreign(self.directory / n))

    def owns_open(self, path: Path) -> bool:
        return self.open_name is not None and path == self.directory / self.open_name

    @property
    def done(self) -> bool:
        return self._exit is not None and self._exit.done()

    @property
    def ran_for(self) -> float:
        return self.clock.monotonic() - self.started_mono

    @property
    def anchor(self) -> float | None:
        """The wall time of the run's first frame (``None`` until its first bytes)."""
        return self.placement.anchor

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self, within: float) -> None:
        """Spawn ffmpeg; return once the first segment has bytes. Raises ``FFmpegError``."""
        await self.proc.start()
        self._progress = asyncio.create_task(self._read_progress(), name=f"{self.camera_id} progress")
        self._exit = asyncio.create_task(self._wait(), name=f"{self.camera_id} segments")
        loop = asyncio.get_running_loop()
        deadline = self.clock.monotonic() + within
        try:
            while True:
                files = await loop.run_in_executor(None, self._run_files)
                size, age = await loop.run_in_executor(None, _size_age, self.directory / files[0]) \
                    if files else (0, 0.0)  # fmt: skip
                if size > 0:
                    # the header is written once ffmpeg has read PROBE_LEAD s of the stream;
                    # the file's age says when (this poll may come later on a busy machine)
                    self.placement.anchor = max(self.started_wall, self.clock.time() - age - PROBE_LEAD)
                    self._start_noise = self.proc.last_error_line()
                    self.open_name = files[-1]
                    return
                if self._exit.done():
                    rc = self._exit.result()
                    await loop.run_in_executor(None, self._cleanup_failed)
                    why = self.proc.last_error_line() or f"ffmpeg exit {rc}"
                    raise FFmpegError(why, self.proc.stderr_tail())
                if self.clock.monotonic() > deadline:
                    await self.proc.stop(0.0, step_timeout=1.0)
                    await loop.run_in_executor(None, self._cleanup_failed)
                    raise FFmpegError(f"no data within {within:g}s", self.proc.stderr_tail())
                await asyncio.wait({self._exit}, timeout=POLL * 2)
        except asyncio.CancelledError:
            await self.abandon()
            raise

    async def _read_progress(self) -> None:
        """Reads ffmpeg's progress reports to their end (a full pipe would stop ffmpeg)."""
        while line := await self.proc.output.readline():
            if (muxed := progress_out_time(line)) is not None:
                self.placement.report(self.clock.time(), muxed)

    async def _wait(self) -> int:
        rc = await self.proc.wait()
        if self._progress is not None:  # its last reports, once ffmpeg has exited (bounded)
            with contextlib.suppress(TimeoutError):
                await bounded(asyncio.shield(self._progress), 1.0)
            self._progress.cancel()
        return rc

    async def wait_exit(self) -> int:
        assert self._exit is not None
        return await asyncio.shield(self._exit)

    async def stop(self, graceful: float) -> int:
        return await self.proc.stop(graceful)

    def kill(self) -> None:
        self.proc.kill()

    async def abandon(self) -> None:
        """Kill ffmpeg and wait (bounded, through repeated cancellations) for it and this
        run's tasks to end: for cancellation paths, which re-raise afterwards."""
        await self.proc.reap()
        if self._exit is not None:
            await settle(self._exit, ffmpeg.STEP_TIMEOUT)

    def _cleanup_failed(self) -> None:
        for name in self._run_files():
            with contextlib.suppress(OSError):
                if (self.directory / name).stat().st_size == 0:
                    (self.directory / name).unlink()
        with contextlib.suppress(OSError):
            self.list_path.unlink()

    # --- progress ----------------------------------------------------------------------

    async def poll(self) -> list[Segment]:
        """Segments closed since the last poll, in wall time (reads the list in a thread)."""
        loop = asyncio.get_running_loop()
        text = await loop.run_in_executor(None, _read, self.list_path)
        rows = parse_list(text)[len(self.closed) :]
        rtsp = self.url.startswith(("rtsp://", "rtsps://"))  # the test pattern is steady from the start
        placement = self.placement
        if rows and placement.first_ts is None and placement.origin is not None and rtsp:
            placement.lead = await self._first_lead(*rows[0])
        new = [placement.place(name, s, e) for name, s, e in rows]
        self.closed += new
        if not self.done:
            files = await loop.run_in_executor(None, self._run_files)
            done = {s.name for s in self.closed}
            current = [f for f in files if f not in done]
            self.open_name = current[-1] if current else self.open_name
        else:
            self.last_open = self.open_name or self.last_open
            self.open_name = None
        return new

    async def recorded(self) -> float:
        """The media seconds this run wrote: the closed segments' times from ffmpeg's own
        list (the muxer's), and the segment a killed run left open, probed."""
        seconds = sum(s.end - s.start for s in self.closed)
        last = self.last_open
        if last is not None and last not in {s.name for s in self.closed}:
            with contextlib.suppress(FFmpegError):
                seconds += await ffprobe_duration(self.directory / last) or 0.0
        return seconds

    async def _first_lead(self, name: str, start: float, end: float) -> float:
        """How much later than its listed start the run's first frame was (``listed_lead``
        plus ``first_frame_lead``), from the closed first segment's file."""
        path = self.directory / name
        times = await self._first_times(path)
        duration = None
        with contextlib.suppress(FFmpegError):
            duration = await ffprobe_duration(path)
        listed = listed_lead(start, end, duration, times[0]) if times else 0.0
        return listed + first_frame_lead(times)

    async def _first_times(self, path: Path) -> list[float]:
        """The first packets' times in a segment: read from an fmp4 file's fragments here
        (no ffprobe to wait for), else by ffprobe."""
        if self.fmt == "fmp4":
            head = await asyncio.get_running_loop().run_in_executor(None, _head, path)
            if times := fmp4.sample_times(head, LEAD_PACKETS):
                return times
        try:
            return await ffprobe_packet_times(path, LEAD_PACKETS)
        except FFmpegError:
            return []

    def clock_anchor(self) -> dict[str, float | None]:
        """How the run's segments are placed, for the journal (``Placement.clock_anchor``)."""
        return self.placement.clock_anchor()

    def open_segment(self) -> Segment | None:
        if self.open_name is None or self.anchor is None:
            return None
        start = self.closed[-1].end if self.closed else self.anchor
        return Segment(self.open_name, start, max(start, self.clock.time()), open=True)

    def forget_list(self) -> None:
        """Blocking: remove the CSV once its segments are in the journal."""
        with contextlib.suppress(OSError):
            self.list_path.unlink()


async def port_open(url: str, within: float = 0.5) -> bool:
    """Does the RTSP address accept a TCP connection? (True for anything that is not RTSP:
    only ffmpeg can tell.) A refused port means the camera or MediaMTX is not back yet,
    which this learns at each tick without starting an ffmpeg."""
    parts = urlsplit(url)
    if parts.scheme not in ("rtsp", "rtsps") or not parts.hostname:
        return True
    try:
        port = parts.port or (322 if parts.scheme == "rtsps" else 554)
        _, writer = await bounded(asyncio.open_connection(parts.hostname, port), within)
    except (OSError, TimeoutError, ValueError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


def _head(path: Path, size: int = 4 * 1024 * 1024) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(size)
    except OSError:
        return b""


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _size_age(path: Path) -> tuple[int, float]:
    """The file's size and the seconds since its last write (0 when unknown)."""
    try:
        st = path.stat()
    except OSError:
        return 0, 0.0
    return st.st_size, max(0.0, time.time() - st.st_mtime)
