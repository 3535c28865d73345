"""The input script handed to ffmpeg through a pipe (``/dev/fd/N``), never a file: it may
hold a camera's password, which must not reach the disk or another process's view."""

from __future__ import annotations

import fcntl
import os

from ..errors import FFmpegError
from .reader_input import MAX_SCRIPT


def script_pipe(script: bytes) -> int:
    """The read end (fd >= 10, close-on-exec) of a pipe that holds ``script`` and whose write
    end is closed: ffmpeg reads the script, then end of file. The script is small enough
    for the pipe's buffer, so nothing waits for a reader."""
    if len(script) > MAX_SCRIPT:
        raise FFmpegError(f"input script too long ({len(script)} bytes)")
    try:
        read, write = os.pipe()
    except OSError as e:
        raise FFmpegError(f"cannot make a pipe for ffmpeg: {e}") from e
    try:
        os.set_blocking(write, False)  # never wait here: a full pipe is an error
        if os.write(write, script) != len(script):
            raise FFmpegError("input script did not fit in a pipe")
        return fcntl.fcntl(read, fcntl.F_DUPFD_CLOEXEC, 10)
    except OSError as e:
        raise FFmpegError(f"cannot hand ffmpeg its input script: {e}") from e
    finally:
        os.close(write)
        os.close(read)
