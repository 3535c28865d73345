"""The pictures of a motion event: the frame of peak motion as a JPEG and a small thumbnail.

The frame is the detector's own, in colour (yuv420p at the detector's 320x180: the frame the
detector read, so the picture is exactly the moment of peak motion and costs no second
reader). It is written raw to a hidden temporary file, one ffmpeg run encodes both JPEGs
(each to a temporary name, renamed when complete), and the raw file is removed. Bounded by
``time_limit``; failures are ``FFmpegError`` or ``StorageError`` and leave no file behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from pathlib import Path

from ..errors import FFmpegError, StorageError
from ..statefile import fsync_dir
from . import ffmpeg

THUMB_WIDTH = 160


def _write_raw(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _publish(pairs: list[tuple[Path, Path]]) -> None:
    for tmp, final in pairs:
        if not tmp.is_file() or tmp.stat().st_size == 0:
            raise StorageError(f"ffmpeg wrote no {final.name}")
        os.replace(tmp, final)
    fsync_dir(pairs[0][1].parent)


async def write_pictures(
    picture: bytes, width: int, height: int, folder: Path, stem: str, *, time_limit: float = 10.0
) -> tuple[str, str]:
    """``{stem}.jpg`` and ``{stem}_thumb.jpg`` in ``folder`` from ``picture``, a yuv420p frame
    of ``width x height``; returns their names."""
    size = width * height * 3 // 2
    if len(picture) != size:
        raise ValueError(f"a {width}x{height} yuv420p frame has {size} bytes, got {len(picture)}")
    token = secrets.token_hex(4)
    raw = folder / f".{stem}.{token}.yuv"
    snap, thumb = folder / f"{stem}.jpg", folder / f"{stem}_thumb.jpg"
    tmp_snap, tmp_thumb = folder / f".{snap.name}.{token}.jpg", folder / f".{thumb.name}.{token}.jpg"
    loop = asyncio.get_running_loop()
    try:
        try:
            await loop.run_in_executor(None, _write_raw, raw, picture)
        except OSError as e:
            raise StorageError(f"cannot write the event picture: {e.strerror or e}") from e
        args = ["-hide_banner", "-nostats", "-loglevel", "error", "-nostdin",
                "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{width}x{height}", "-i", str(raw),
                "-frames:v", "1", "-q:v", "3", "-f", "image2", "-y", str(tmp_snap),
                "-frames:v", "1", "-vf", f"scale={THUMB_WIDTH}:-2", "-q:v", "5", "-f", "image2",
                "-y", str(tmp_thumb)]  # fmt: skip
        rc, tail = await ffmpeg.run(args, name=f"event picture {stem}", time_limit=time_limit)
        if rc != 0:
            raise FFmpegError(f"event picture failed (ffmpeg exit {rc})", tail)
        try:
            await loop.run_in_executor(None, _publish, [(tmp_snap, snap), (tmp_thumb, thumb)])
        except OSError as e:
            raise StorageError(f"cannot store the event picture: {e.strerror or e}") from e
        return snap.name, thumb.name
    finally:
        for path in (raw, tmp_snap, tmp_thumb):
            with contextlib.suppress(OSError):
                path.unlink()
