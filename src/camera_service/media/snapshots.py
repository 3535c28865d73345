"""One JPEG from a live stream, written atomically.

ffmpeg reads the camera's reader URL (RTSP over TCP), decodes the first frame it can, and
writes it to a hidden temporary file in the snapshot folder (made beforehand by
``statefile.create_temporary``: a random name, ``O_EXCL|O_NOFOLLOW``, so ffmpeg never writes
through a name someone else planted); the file is fsynced and renamed
to its final name, and the folder fsynced, so a reader never sees half a JPEG and a crash
never leaves one under a real name. The whole capture is bounded by ``time_limit``.

``copy_jpeg`` makes a snapshot of a key frame already decoded (``keyframes.KeyFrameKeeper``)
the same way: copied to a temporary file, fsynced and renamed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from pathlib import Path

from ..errors import FFmpegError, StorageError
from ..statefile import create_temporary, fsync_dir
from . import ffmpeg


def _jpeg_args(url: str, tmp: Path, quality: int, max_width: int, io_timeout: float) -> list[str]:
    args = ["-hide_banner", "-nostats", "-loglevel", "error", "-nostdin"]
    args += ffmpeg.input_args(url, io_timeout, fast_probe=True)
    args += ["-map", "0:v:0", "-frames:v", "1"]
    if max_width > 0:
        # never upscale; keep the aspect ratio with an even height
        args += ["-vf", f"scale='min({max_width},iw)':-2"]
    args += ["-q:v", str(quality), "-f", "image2", "-update", "1", "-y", str(tmp)]
    return args


def _fsync_and_rename(tmp: Path, final: Path) -> int:
    fd = os.open(tmp, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        os.fsync(fd)
        size = os.fstat(fd).st_size
    finally:
        os.close(fd)
    if size == 0:
        raise StorageError("ffmpeg wrote an empty snapshot")
    os.replace(tmp, final)
    fsync_dir(final.parent)
    return size


def _has_data(tmp: Path) -> bool:
    try:
        return tmp.lstat().st_size > 0
    except OSError:
        return False


async def capture_jpeg(
    url: str,
    final: Path,
    *,
    quality: int,
    max_width: int,
    time_limit: float,
    camera_id: str = "",
) -> int:
    """Write one JPEG to ``final`` (atomically); returns its size in bytes.

    Raises ``FFmpegError`` when ffmpeg fails or ``time_limit`` passes, ``StorageError`` when the
    file cannot be written. No temporary file is left behind either way."""
    try:
        fd, tmp = create_temporary(final, 0o666)  # as ffmpeg would
    except OSError as e:
        raise StorageError(f"cannot store snapshot {final.name}: {e.strerror or e}") from e
    os.close(fd)
    io_timeout = time_limit + 5.0  # ours ends first
    proc = ffmpeg.FFmpegProcess(
        _jpeg_args(url, tmp, quality, max_width, io_timeout),
        name=f"{camera_id or 'camera'} snapshot",
        camera_id=camera_id,
        script=ffmpeg.input_script(url, io_timeout, fast_probe=True),
    )
    try:
        await proc.start()
        try:
            rc = await proc.wait(time_limit)
        except TimeoutError:
            await proc.stop(0.0, step_timeout=1.0)
            raise FFmpegError(
                f"snapshot timed out after {time_limit:g}s (no frame from the camera)",
                proc.stderr_tail(),
            ) from None
        if rc != 0 or not _has_data(tmp):
            proc.log_failure(f"snapshot failed (exit {rc})")
            raise FFmpegError(
                f"snapshot failed: {proc.last_error_line() or f'ffmpeg exit {rc}'}",
                proc.stderr_tail(),
            )
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(None, _fsync_and_rename, tmp, final)
        except OSError as e:
            raise StorageError(f"cannot store snapshot {final.name}: {e.strerror or e}") from e
    except asyncio.CancelledError:
        await proc.reap()
        raise
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _copy(kept: Path, final: Path) -> int | None:
    try:
        src = os.open(kept, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return None  # replaced or removed just now: the caller takes its own picture
    try:
        fd, tmp = create_temporary(final, 0o666)
        try:
            with open(src, "rb", closefd=False) as fin, open(fd, "wb", closefd=False) as fout:
                shutil.copyfileobj(fin, fout)
            os.close(fd)
            fd = -1
            return _fsync_and_rename(tmp, final)
        finally:
            if fd >= 0:
                os.close(fd)
            with contextlib.suppress(OSError):
                tmp.unlink()
    finally:
        os.close(src)


async def copy_jpeg(kept: Path, final: Path) -> int | None:
    """Copy the kept JPEG ``kept`` to ``final`` atomically; its size, or ``None`` when
    ``kept`` is gone (the caller then captures one). ``StorageError`` when it cannot write."""
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(None, _copy, kept, final)
    except OSError as e:
        raise StorageError(f"cannot store snapshot {final.name}: {e.strerror or e}") from e
