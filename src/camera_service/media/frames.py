"""Low-resolution colour frames from a live stream, for motion detection.

One ffmpeg reads the camera's reader URL (the MediaMTX path with the internal reader
credential, or the direct source where there is no MediaMTX: the same URL snapshots use),
scales it to ``width x height`` YUV 4:2:0 and writes the frames raw on a pipe, which the loop
reads with ``readexactly`` (nothing blocks). The detector looks at the luma plane, stretched
from video range (16..235) to full range as ffmpeg's ``format=gray`` did (one table look-up);
the event pictures are made of the whole colour frame.

Latency (``bench/bench_motion.py``): a live source is decoded by one thread (ffmpeg's frame
threads hold a frame per extra thread: 2 frames, 133 ms at 15 fps, on 2 cores) and every
frame leaves ffmpeg at once; ``fps`` frames a second are kept here (``Decimator``: every
n-th frame, n learned from the stream's own rate). ffmpeg's own ``fps`` or ``select``
filters held the kept frame back by about two source frames more (measured on ffmpeg 5.1).
A file (tests, the bench's noise clip) is read as fast as it decodes, so there ffmpeg's
``fps`` filter keeps the frames by their own
timestamps. Every wait is bounded: no first frame within ``first_frame_timeout`` or a stall of
``io_timeout`` between frames ends the reader with ``FFmpegError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from ..errors import FFmpegError
from ..models import LAVFI_PREFIX
from ..waits import bounded
from . import ffmpeg

WIDTH, HEIGHT, FPS = 320, 180, 5
STOP_TIMEOUT = 2.0
EARLY = 0.1  # a frame may come this share of an interval early and still be kept
# video-range luma (16..235) to full-range gray, as swscale converts it
FULL_RANGE: npt.NDArray[np.uint8] = np.clip(
    np.round((np.arange(256) - 16) * 255 / 219), 0, 255
).astype(np.uint8)


@dataclass(frozen=True)
class Frame:
    index: int
    pts: float  # seconds since the first frame (a file: index / fps; live: by arrival)
    picture: bytes  # the frame, YUV 4:2:0 planar (yuv420p), width x height
    width: int
    height: int

    @cached_property
    def data(self) -> npt.NDArray[np.uint8]:
        """The picture in gray, height x width, full range (what ``format=gray`` gives)."""
        size = self.width * self.height
        luma = np.frombuffer(self.picture, dtype=np.uint8, count=size).reshape(self.height, self.width)
        gray: npt.NDArray[np.uint8] = FULL_RANGE[luma]
        return gray


def frame_bytes(width: int, height: int) -> int:
    """The size of one yuv420p frame (``width`` and ``height`` even)."""
    return width * height * 3 // 2


def is_live(url: str) -> bool:
    """A camera (a URL, the lavfi test pattern, a device), not a file read as fast as it
    decodes."""
    return url.startswith((LAVFI_PREFIX, "/dev/")) or "://" in url


class Decimator:
    """Keeps about ``fps`` frames a second of a live stream: every n-th frame, n the stream's
    own rate over ``fps``, the rate learned from arrival times over ``window`` seconds (until
    a second of them is known: by arrival time). Counting frames, not seconds, a burst (frames
    that waited in a starved ffmpeg or a socket) is thinned like the time it holds, not
    dropped but for one frame. Pure: the caller gives every time."""

    def __init__(self, fps: float, window: float = 5.0) -> None:
        self.fps = fps
        self.window = window
        self._arrivals: deque[float] = deque()
        self._skipped = 0  # frames since the last one kept
        self._last: float | None = None  # when the last one kept came

    def step(self) -> int:
        """Every how many frames one is kept (0: not known yet)."""
        if len(self._arrivals) < 2:
            return 0
        span = self._arrivals[-1] - self._arrivals[0]
        if span < 1.0:
            return 0
        return max(1, round((len(self._arrivals) - 1) / span / self.fps))

    def keep(self, t: float) -> bool:
        self._arrivals.append(t)
        while self._arrivals[0] < t - self.window:
            self._arrivals.popleft()
        step = self.step()
        if self._last is None or (
            self._skipped + 1 >= step if step else t - self._last >= (1 - EARLY) / self.fps
        ):
            self._last, self._skipped = t, 0
            return True
        self._skipped += 1
        return False


def frame_args(url: str, width: int, height: int, fps: float, io_timeout: float, live: bool) -> list[str]:
    args = ["-hide_banner", "-nostats", "-loglevel", "error", "-nostdin"]
    if live:
        args += ["-threads", "1"]  # no frame threads: they hold frames back
    args += ffmpeg.input_args(url, io_timeout, fast_probe=True)
    args += ["-map", "0:v:0", "-an", "-sn", "-dn"]
    scale = f"scale={width}:{height}:flags=area,format=yuv420p"
    if live:  # every frame, as it comes (kept or dropped here)
        args += ["-vf", scale, "-fps_mode", "passthrough"]
    else:
        args += ["-vf", f"fps={fps:g},{scale}"]
    # each frame leaves at once (not when the next fills the pipe protocol's buffer)
    args += ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-flush_packets", "1", "pipe:1"]
    return args


class FrameReader:
    """``async with FrameReader(url) as reader: async for frame in reader.frames(): ...``"""

    def __init__(
        self,
        url: str,
        *,
        width: int = WIDTH,
        height: int = HEIGHT,
        fps: float = FPS,
        camera_id: str = "",
        io_timeout: float = 10.0,
        first_frame_timeout: float = 15.0,
        live: bool | None = None,
    ) -> None:
        if width % 2 or height % 2:
            raise ValueError(f"frames are yuv420p: width and height must be even, got {width}x{height}")
        self.width, self.height, self.fps = width, height, fps
        self.live = is_live(url) if live is None else live
        self.io_timeout = io_timeout
        self.first_frame_timeout = first_frame_timeout
        self.read = 0  # frames that came from ffmpeg (kept or not)
        self._proc = ffmpeg.FFmpegProcess(
            frame_args(url, width, height, fps, io_timeout, self.live),
            name=f"{camera_id or 'camera'} motion frames",
            camera_id=camera_id,
            script=ffmpeg.input_script(url, io_timeout, fast_probe=True),
            stdout=True,
        )

    async def __aenter__(self) -> FrameReader:
        await self._proc.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def stop(self) -> None:
        # the pipe is read to its end while ffmpeg stops: a frame is larger than the pipe's
        # buffer, so ffmpeg may be blocked writing one, and would not see its signal; at the
        # end the pipe is closed, not left to the garbage collector
        drain = asyncio.create_task(self._drain(), name="motion frames drain")
        try:
            if self._proc.running:
                await self._proc.stop(0.5, step_timeout=STOP_TIMEOUT)
        finally:
            with contextlib.suppress(TimeoutError, OSError):
                await bounded(drain, STOP_TIMEOUT)
            if not drain.done():
                drain.cancel()

    async def _drain(self) -> None:
        while await self._proc.output.read(1 << 16):
            pass

    async def frames(self) -> AsyncIterator[Frame]:
        """Frames until the stream ends (then returns) or fails (``FFmpegError``)."""
        size = frame_bytes(self.width, self.height)
        decimator = Decimator(self.fps) if self.live else None
        index, first = 0, 0.0
        while True:
            timeout = self.first_frame_timeout if self.read == 0 else self.io_timeout
            try:
                data = await bounded(self._proc.output.readexactly(size), timeout)
            except asyncio.IncompleteReadError:
                break
            except TimeoutError:
                raise FFmpegError(
                    f"no frame for {timeout:g} s from the camera", self._proc.stderr_tail()
                ) from None
            self.read += 1
            if decimator is None:
                pts = index / self.fps
            else:
                now = time.monotonic()
                if not decimator.keep(now):
                    continue
                first = first or now
                pts = now - first
            yield Frame(index, pts, data, self.width, self.height)
            index += 1
        rc = await self._proc.wait(STOP_TIMEOUT * 3)
        if rc != 0 and not self._proc.stop_requested:
            raise FFmpegError(
                f"motion frames: {self._proc.last_error_line() or f'ffmpeg exit {rc}'}",
                self._proc.stderr_tail(),
            )
