"""The last key frame of each live camera, decoded, so a snapshot need not wait for the next.

A new reader of a live stream gets its first picture only at the stream's next key frame
(MediaMTX hands a new reader the stream from there): a snapshot by a fresh ffmpeg waits up
to one GOP plus the connection and probe, about 0.9 s on the test camera. With
``storage.snapshot_keyframes`` on, one ffmpeg per connected camera stays attached to its
reader URL and decodes only the key frames (``-skip_frame nokey``: the other frames are
parsed, never decoded), writing each as the JPEG a snapshot would be (same quality, same
width) over one file, atomically (``-atomic_writing``: a reader never sees half a JPEG). A
snapshot then copies that file when it is younger than ``snapshot_keyframe_max_age``; else
it takes the usual way. The picture is at most one GOP old.

The keeper reads only RTSP URLs (MediaMTX, or a network camera while MediaMTX is down),
never a device or the generated test pattern (those would need a second encoder). It
restarts (backing off to ``MAX_BACKOFF``) when its ffmpeg ends, and follows the reader URL at once
when it changes (MediaMTX gone or back). Its cost per camera is one RTSP reader: it keeps
an on-demand MediaMTX path (a USB camera's publisher) running, which is why it is off by
default. ``bench/bench_media.py`` measures its CPU and memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import FFmpegError
from ..models import Camera
from ..statefile import make_dirs
from . import ffmpeg
from .camera_readers import CameraReaders

log = logging.getLogger(__name__)

MAX_BACKOFF = 10.0
URL_CHECK = 1.0  # how often a running keeper asks whether its camera's reader URL changed


def keeps(url: str) -> bool:
    """Whether a keeper may read ``url``: a stream others read too (RTSP), nothing opened
    exclusively or generated here."""
    return url.startswith(("rtsp://", "rtsps://"))


def keeper_args(url: str, target: Path, quality: int, max_width: int, io_timeout: float) -> list[str]:
    """ffmpeg decoding only ``url``'s key frames, each written over ``target`` atomically."""
    args = ["-hide_banner", "-nostats", "-loglevel", "error", "-nostdin", "-threads", "1",
            "-skip_frame", "nokey"]  # fmt: skip
    args += ffmpeg.input_args(url, io_timeout, fast_probe=True)
    args += ["-map", "0:v:0", "-an", "-fps_mode", "passthrough"]
    if max_width > 0:
        args += ["-vf", f"scale='min({max_width},iw)':-2"]
    args += ["-q:v", str(quality), "-f", "image2", "-update", "1", "-atomic_writing", "1",
             "-y", str(target)]  # fmt: skip
    return args


class KeyFrameKeeper(CameraReaders):
    """One key-frame ffmpeg per connected camera (``track``/``on_camera_event``)."""

    task_name = "keyframes"

    def __init__(
        self,
        folder: Path,
        reader_url: Callable[[Camera], str],
        *,
        quality: int,
        max_width: int,
        max_age: float,
        io_timeout: float = 10.0,
    ) -> None:
        self.folder = folder
        self.reader_url = reader_url
        self.quality = quality
        self.max_width = max_width
        self.max_age = max_age
        self.io_timeout = io_timeout
        super().__init__()

    async def start(self) -> None:
        make_dirs(self.folder, 0o700)
        await super().start()

    # --- the picture --------------------------------------------------------------------

    def path(self, camera_id: str) -> Path:
        return self.folder / f"{camera_id}.jpg"

    def latest(self, camera_id: str) -> Path | None:
        """The camera's last key frame when one younger than ``max_age`` is there."""
        if camera_id not in self._tasks:
            return None
        path = self.path(camera_id)
        try:
            st = path.lstat()
        except OSError:
            return None
        fresh = time.time() - st.st_mtime <= self.max_age
        return path if fresh and st.st_size > 0 and path.is_file() else None

    # --- one camera ---------------------------------------------------------------------

    async def _keep(self, camera_id: str) -> None:
        backoff = 0.5
        last_url = ""
        try:
            while (camera := self._cameras.get(camera_id)) is not None:
                url = self.reader_url(camera)
                if url != last_url:
                    backoff = 0.5  # another source (MediaMTX gone or back): its failures are new
                last_url = url
                if keeps(url):
                    began = time.monotonic()
                    await self._run(camera_id, url)
                    if time.monotonic() - began > 2 * MAX_BACKOFF:
                        backoff = 0.5  # it ran a good while: this is a new failure
                    if self._url_of(camera_id) not in (url, None):
                        continue  # it gave way to the new reader URL: read that one at once
                await asyncio.sleep(backoff)
                backoff = min(MAX_BACKOFF, backoff * 2)
        finally:
            with contextlib.suppress(OSError):
                self.path(camera_id).unlink()

    def _url_of(self, camera_id: str) -> str | None:
        camera = self._cameras.get(camera_id)
        return None if camera is None else self.reader_url(camera)

    async def _run(self, camera_id: str, url: str) -> None:
        """One ffmpeg until it ends or the camera's reader URL changes."""
        target = self.path(camera_id)
        name = f"{camera_id} key frames"
        try:  # a URL too long for the input script, or no ffmpeg: retried after the back-off
            proc = ffmpeg.FFmpegProcess(
                keeper_args(url, target, self.quality, self.max_width, self.io_timeout),
                name=name,
                camera_id=camera_id,
                script=ffmpeg.input_script(url, self.io_timeout, fast_probe=True),
            )
            await proc.start()
        except FFmpegError as e:
            log.warning("%s: %s", name, e, extra={"CAMERA_ID": camera_id, "COMPONENT": "media"})
            return
        self._procs[camera_id] = proc
        try:
            while True:
                try:
                    await proc.wait(URL_CHECK)
                    return  # ended: the loop starts another after its back-off
                except TimeoutError:
                    camera = self._cameras.get(camera_id)
                    if camera is None or self.reader_url(camera) != url:
                        return
        finally:
            self._procs.pop(camera_id, None)
            # also when it has exited: stop() closes the lifeline (a socket) a cancelled
            # wait() may have left open
            await asyncio.shield(proc.stop(1.0, step_timeout=1.0))
            with contextlib.suppress(OSError):
                os.unlink(f"{target}.tmp")
