"""Low-resolution grayscale frames from a live stream, for motion detection.

One ffmpeg reads the camera's reader URL (the MediaMTX path with the internal reader
credential, or the direct source where there is no MediaMTX: the same URL snapshots use),
keeps ``fps`` frames a second, scales them to ``width x height`` gray and writes them raw on
a pipe, which the loop reads with ``readexactly`` (nothing blocks). Every wait is bounded:
no first frame within ``first_frame_timeout`` or a stall of ``io_timeout`` between frames
ends the reader with ``FFmpegError``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..errors import FFmpegError
from . import ffmpeg

WIDTH, HEIGHT, FPS = 320, 180, 5
STOP_TIMEOUT = 2.0


@dataclass(frozen=True)
class Frame:
    index: int
    pts: float  # seconds since the first frame (index / fps: the fps filter's constant rate)
    data: npt.NDArray[np.uint8]  # height x width, gray


def frame_args(url: str, width: int, height: int, fps: float, io_timeout: float) -> list[str]:
    args = ["-hide_banner", "-nostats", "-loglevel", "error", "-nostdin"]
    args += ffmpeg.input_args(url, io_timeout, fast_probe=True)
    args += ["-map", "0:v:0", "-an", "-sn", "-dn"]
    args += ["-vf", f"fps={fps:g},scale={width}:{height}:flags=area,format=gray"]
    # each frame leaves at once (not when the next fills the pipe protocol's buffer)
    args += ["-f", "rawvideo", "-pix_fmt", "gray", "-flush_packets", "1", "pipe:1"]
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
    ) -> None:
        self.width, self.height, self.fps = width, height, fps
        self.io_timeout = io_timeout
        self.first_frame_timeout = first_frame_timeout
        self._proc = ffmpeg.FFmpegProcess(
            frame_args(url, width, height, fps, io_timeout),
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
        if self._proc.running:
            await self._proc.stop(0.5, step_timeout=STOP_TIMEOUT)
        # what is left in the pipe, up to its end: the pipe is closed then, not left to the
        # garbage collector (ffmpeg is gone, so the end comes at once)
        with contextlib.suppress(TimeoutError, OSError):
            await asyncio.wait_for(self._proc.output.read(), STOP_TIMEOUT)

    async def frames(self) -> AsyncIterator[Frame]:
        """Frames until the stream ends (then returns) or fails (``FFmpegError``)."""
        size = self.width * self.height
        index = 0
        while True:
            timeout = self.first_frame_timeout if index == 0 else self.io_timeout
            try:
                data = await asyncio.wait_for(self._proc.output.readexactly(size), timeout)
            except asyncio.IncompleteReadError:
                break
            except TimeoutError:
                raise FFmpegError(
                    f"no frame for {timeout:g} s from the camera", self._proc.stderr_tail()
                ) from None
            pixels = np.frombuffer(data, dtype=np.uint8).reshape(self.height, self.width)
            yield Frame(index, index / self.fps, pixels)
            index += 1
        rc = await self._proc.wait(STOP_TIMEOUT * 3)
        if rc != 0 and not self._proc.stop_requested:
            raise FFmpegError(
                f"motion frames: {self._proc.last_error_line() or f'ffmpeg exit {rc}'}",
                self._proc.stderr_tail(),
            )
