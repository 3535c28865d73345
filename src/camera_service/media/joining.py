"""One file from the pieces of a recording that paused and resumed: ffmpeg's concat demuxer
copies them one after the other (``-c copy``: no second encode, seconds for an hour), each
piece's timestamps shifted to follow the one before, into a hidden temporary file that then
replaces the first piece; the other pieces are removed only once the joined file is in place
and plays. The gaps go into the file's ``comment`` tag (JSON), so its info still tells them.

Nothing is lost when joining is not possible (pieces of different codec, size or pixel
format: a camera reconfigured during the outage) or fails: the pieces stay as they are and
the caller lists them as the recording's files.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from pathlib import Path

from .. import ffconcat
from ..errors import FFmpegError
from . import ffmpeg
from .ffprobe import ffprobe_valid, ffprobe_video_params
from .muxing import FRAGMENT_FLAGS

log = logging.getLogger(__name__)

JOIN_TIMEOUT = 120.0
OUTPUT = {
    "fmp4": ["-movflags", FRAGMENT_FLAGS, "-f", "mp4"],
    "mp4": ["-movflags", "+faststart", "-f", "mp4"],
    "mkv": ["-f", "matroska"],
}


def join_args(script: Path, target: Path, fmt: str, comment: str) -> list[str]:
    """The ffmpeg command line (without the binary) that joins the pieces named in
    ``script`` into ``target``."""
    return ["-hide_banner", "-nostdin", "-loglevel", "error",
            "-f", "concat", "-safe", "0", "-protocol_whitelist", "file", "-i", str(script),
            "-map", "0", "-c", "copy", "-metadata", f"comment={comment}",
            *OUTPUT[fmt], "-y", str(target)]  # fmt: skip


def gaps_comment(gaps: list[dict[str, object]], recorded: float, wall: float) -> str:
    return json.dumps({"recorded": round(recorded, 3), "wall": round(wall, 3), "gaps": gaps})


async def joinable(parts: list[Path]) -> bool:
    """Do all pieces carry the same video (codec, profile, size, pixel format)?"""
    params = [await ffprobe_video_params(p) for p in parts]
    return params[0] is not None and all(p == params[0] for p in params)


async def join(parts: list[Path], fmt: str, comment: str, camera_id: str = "") -> bool:
    """Join ``parts`` into ``parts[0]`` (same name); True when done and the others removed.
    On False every piece is still there, untouched."""
    if len(parts) < 2:
        return True
    first = parts[0]
    loop = asyncio.get_running_loop()
    try:
        if not await joinable(parts):
            log.warning("%s: the pieces of %s differ; kept as %d files", camera_id, first.name,
                        len(parts))  # fmt: skip
            return False
        script = first.with_name(f".{first.name}.join.ffconcat")
        temp = first.with_name(f".{first.name}.joining{first.suffix}")
        text = ffconcat.files_script([str(p) for p in parts])
        await loop.run_in_executor(None, _write, script, text)
        try:
            rc, tail = await ffmpeg.run(join_args(script, temp, fmt, comment),
                                        name=f"{camera_id} join", time_limit=JOIN_TIMEOUT)  # fmt: skip
            if rc != 0 or not await ffprobe_valid(temp):
                log.warning("%s: joining %s failed (exit %s): %s", camera_id, first.name, rc,
                            tail.splitlines()[-1] if tail else "")  # fmt: skip
                return False
            await loop.run_in_executor(None, os.replace, temp, first)
        finally:
            await loop.run_in_executor(None, _remove, [script, temp])
    except (FFmpegError, OSError, ValueError) as e:
        log.warning("%s: cannot join %s: %s", camera_id, first.name, e)
        return False
    await loop.run_in_executor(None, _remove, parts[1:])
    return True


def _write(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def _remove(paths: list[Path]) -> None:
    for p in paths:
        with contextlib.suppress(OSError):
            p.unlink()
