"""The current GOP of each live camera, held so a recording starts at once (issue 20).

A recording by a fresh ffmpeg writes its first media about a second after it is asked for:
ffmpeg itself takes 0.3-0.5 s to start on a busy 2-core machine, then the RTSP setup, the
probe, the wait for the stream's next key frame and the first fragment
(``bench/bench_media_floor.py``). With ``storage.recording_preroll`` on, one stream-copy
ffmpeg per connected camera stays attached to its reader URL (MediaMTX, or a network
camera while MediaMTX is down; never a device or the generated test pattern) and hands
the daemon the video as fragmented MP4 with one fragment per frame. The keeper holds the
init segment and the fragments since the last key frame (the current GOP); a recording in
``fmp4`` (one file, the default) takes them and every fragment after them through a
``Feed`` (``preroll_job.PrerollJob`` writes the file), so its first media is on disk within
milliseconds and starts at the last key frame (up to one GOP before it was asked for).

Cost per camera: one RTSP reader (it keeps an on-demand MediaMTX path running, hence off by
default), a stream-copy ffmpeg, the GOP's bytes in memory and a few box headers parsed per
frame; ``bench/bench_media_floor.py`` measures it. The keeper starts its ffmpeg again as soon
as the source's address answers (backing off to ``MAX_BACKOFF`` only while ffmpeg fails
against an address that answers) and follows the reader URL when it changes; either ends
every feed of that camera with the cause, which the recording treats as any source fault.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import FFmpegError
from ..models import Camera
from . import ffmpeg, fmp4
from .camera_readers import CameraReaders
from .keyframes import keeps
from .segmenter import port_open

log = logging.getLogger(__name__)

FIRST_BACKOFF = 0.5
MAX_BACKOFF = 10.0
SOURCE_CHECK = 0.25  # seconds between checks of an address that refuses (segmenter.port_open)
URL_CHECK = 1.0  # how often a running keeper asks whether its camera's reader URL changed
MAX_GOP_BYTES = 16 * 1024 * 1024  # a "GOP" longer than this is not kept (no key frames?)
MAX_QUEUE = 600  # fragments a recording may fall behind before its feed is ended
STALE = 2.0  # seconds without a fragment after which the GOP is not offered
FLAGS = "+frag_every_frame+empty_moov+default_base_moof"


def preroll_args(url: str, io_timeout: float) -> list[str]:
    """ffmpeg copying ``url``'s video to stdout as fragmented MP4, one fragment per frame."""
    args = ["-hide_banner", "-nostats", "-loglevel", "error", "-nostdin"]
    args += ffmpeg.input_args(url, io_timeout)
    return [*args, "-map", "0:v:0", "-c", "copy", "-f", "mp4", "-movflags", FLAGS,
            "-flush_packets", "1", "pipe:1"]  # fmt: skip


@dataclass(frozen=True)
class Frame:
    """One fragment (one frame): its boxes, what it holds, and the wall time it was read."""

    moof: bytes
    mdat: bytes
    info: fmp4.Fragment
    arrived: float


@dataclass(eq=False)  # one per recording piece: held in sets by identity
class Feed:
    """A recording's share of one camera's stream: ``init`` and ``backlog`` (the current
    GOP, from its key frame) at once, then each new frame in ``queue``; ``None`` in the
    queue ends it, with ``reason`` saying why."""

    url: str
    init: bytes
    defaults: fmp4.TrackDefaults
    backlog: list[Frame]
    queue: asyncio.Queue[Frame | None] = field(default_factory=asyncio.Queue)
    reason: str = ""
    closed: bool = False

    def end(self, reason: str) -> None:
        if not self.closed:
            self.closed, self.reason = True, reason
            self.queue.put_nowait(None)


@dataclass
class _Stream:
    url: str
    init: bytes = b""
    defaults: fmp4.TrackDefaults | None = None
    gop: list[Frame] = field(default_factory=list)
    gop_bytes: int = 0
    frames: int = 0
    feeds: set[Feed] = field(default_factory=set)

    def add(self, frame: Frame) -> None:
        self.frames += 1
        if frame.info.key:
            self.gop, self.gop_bytes = [], 0
        if frame.info.key or self.gop:
            self.gop.append(frame)
            self.gop_bytes += len(frame.moof) + len(frame.mdat)
            if self.gop_bytes > MAX_GOP_BYTES:
                self.gop, self.gop_bytes = [], 0
        for feed in list(self.feeds):
            if feed.closed:
                self.feeds.discard(feed)
            elif feed.queue.qsize() >= MAX_QUEUE:
                feed.end("stream lost: the recording fell behind the camera")
                self.feeds.discard(feed)
            else:
                feed.queue.put_nowait(frame)

    def end(self, reason: str) -> None:
        for feed in self.feeds:
            feed.end(reason)
        self.feeds.clear()
        self.gop, self.gop_bytes = [], 0


class PrerollKeeper(CameraReaders):
    """One stream-copy ffmpeg per connected camera (``track``/``on_camera_event``)."""

    task_name = "preroll"

    def __init__(self, reader_url: Callable[[Camera], str], *, io_timeout: float = 10.0) -> None:
        self.reader_url = reader_url
        self.io_timeout = io_timeout
        super().__init__()
        self._streams: dict[str, _Stream] = {}

    # --- what recordings get ------------------------------------------------------------

    def feed(self, camera_id: str, url: str) -> Feed | None:
        """The camera's current GOP and what follows, when it is held for ``url`` and fresh."""
        stream = self._streams.get(camera_id)
        if stream is None or stream.url != url or not self.holds(camera_id):
            return None
        assert stream.defaults is not None
        feed = Feed(url, stream.init, stream.defaults, list(stream.gop))
        stream.feeds.add(feed)
        return feed

    def holds(self, camera_id: str) -> bool:
        """Whether a recording of the camera would start from its held GOP now."""
        stream = self._streams.get(camera_id)
        return stream is not None and stream.defaults is not None and bool(stream.gop) and (
            time.time() - stream.gop[-1].arrived <= STALE)

    def held_bytes(self) -> int:
        return sum(s.gop_bytes + len(s.init) for s in self._streams.values())

    # --- one camera ---------------------------------------------------------------------

    async def _keep(self, camera_id: str) -> None:
        """ffmpeg after ffmpeg while the camera is tracked. Its address is checked every
        ``SOURCE_CHECK`` (a TCP connect) while it refuses or is not one to keep; only ffmpeg
        runs that fail while it answers back off."""
        backoff = FIRST_BACKOFF
        while (camera := self._cameras.get(camera_id)) is not None:
            url = self.reader_url(camera)
            if not keeps(url) or not await port_open(url):
                await asyncio.sleep(SOURCE_CHECK)
                continue
            if await self._run(camera_id, url):
                backoff = FIRST_BACKOFF  # it held frames: this is a new failure
                continue
            await asyncio.sleep(backoff)
            backoff = min(MAX_BACKOFF, backoff * 2)

    async def _run(self, camera_id: str, url: str) -> bool:
        """One ffmpeg until it ends or the URL changes; True when it got frames."""
        name = f"{camera_id} pre-roll"
        extra = {"CAMERA_ID": camera_id, "COMPONENT": "media"}
        try:
            proc = ffmpeg.FFmpegProcess(
                preroll_args(url, self.io_timeout), name=name, camera_id=camera_id,
                script=ffmpeg.input_script(url, self.io_timeout), stdout=True,
            )  # fmt: skip
            await proc.start()
        except FFmpegError as e:
            log.warning("%s: %s", name, e, extra=extra)
            return False
        stream = self._streams[camera_id] = _Stream(url)
        self._procs[camera_id] = proc
        reader = asyncio.create_task(self._read(proc, stream), name=name)
        reason = "stream lost: the camera stream ended"
        try:
            while not reader.done():
                await asyncio.wait({reader}, timeout=URL_CHECK)
                camera = self._cameras.get(camera_id)
                if not reader.done() and (camera is None or self.reader_url(camera) != url):
                    reason = "source switched"
                    break
            if reader.done() and not reader.cancelled() and reader.exception() is not None:
                log.warning("%s: %s", name, reader.exception(), extra=extra)
        finally:
            self._procs.pop(camera_id, None)
            # ffmpeg's stdout is read to its end while it stops: a full pipe would hold it
            drain = reader if not reader.done() else asyncio.create_task(_drain(proc.output))
            await asyncio.shield(proc.stop(1.0, step_timeout=1.0))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait({drain}, timeout=1.0)
            for task in (reader, drain):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.shield(task)
            line = proc.last_error_line()
            stream.end(f"stream lost: {line}" if line and reason.startswith("stream lost") else reason)
            if self._streams.get(camera_id) is stream:
                del self._streams[camera_id]
        return stream.frames > 0

    async def _read(self, proc: ffmpeg.FFmpegProcess, stream: _Stream) -> None:
        splitter = fmp4.BoxSplitter()
        head: list[bytes] = []
        moof: bytes | None = None
        while chunk := await proc.output.read(256 * 1024):
            for kind, box in splitter.feed(chunk):
                if kind in ("ftyp", "moov"):
                    head.append(box)
                    if kind == "moov":
                        stream.init, stream.defaults = b"".join(head), fmp4.track_defaults(box)
                elif kind == "moof":
                    moof = box
                elif kind == "mdat" and moof is not None and stream.defaults is not None:
                    info = fmp4.fragment(moof, stream.defaults)
                    stream.add(Frame(moof, box, info, time.time()))
                    moof = None


async def _drain(output: asyncio.StreamReader) -> None:
    while await output.read(256 * 1024):
        pass
