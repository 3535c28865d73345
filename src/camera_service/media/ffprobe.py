"""ffprobe as an asyncio child process: what a finished file holds.

``ffprobe_duration``/``ffprobe_format`` read a container's duration (and its ``comment``
tag), ``ffprobe_valid`` whether it has a video stream with a size, ``ffprobe_packet_times``
its first video packets' times and ``ffprobe_video_params`` what decides whether two files
join by stream copy. Each run is bounded (``PROBE_TIMEOUT``: then killed); every foreign
error (OSError, timeouts) leaves this module as ``FFmpegError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Sequence
from pathlib import Path

from ..errors import FFmpegError
from ..waits import bounded, settle

FFPROBE = os.environ.get("CAMERA_SERVICE_FFPROBE", "ffprobe")
PROBE_TIMEOUT = 15.0
KILLED_WAIT = 3.0  # for a killed ffprobe to be reaped


async def _probe(
    path: Path, entries: str, time_limit: float, extra: Sequence[str] = ()
) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        FFPROBE, "-v", "error", *extra, "-show_entries", entries, "-of", "default=nw=1",
        str(path),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        out, _ = await bounded(proc.communicate(), time_limit)
    except TimeoutError:
        proc.kill()
        await bounded(proc.wait(), KILLED_WAIT)
        raise FFmpegError(f"ffprobe timed out after {time_limit:g}s on {path.name}") from None
    except asyncio.CancelledError:
        proc.kill()
        with contextlib.suppress(Exception):  # reaped: no transport left for the collector
            await settle(asyncio.ensure_future(proc.wait()), KILLED_WAIT)
        raise
    assert proc.returncode is not None
    return proc.returncode, out.decode(errors="replace")


def _fields(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key not in out:
            out[key] = value.strip()
    return out


async def ffprobe_duration(path: Path, time_limit: float = PROBE_TIMEOUT) -> float | None:
    """The container duration in seconds, ``None`` when ffprobe cannot tell."""
    return (await ffprobe_format(path, time_limit))[0]


async def ffprobe_format(path: Path, time_limit: float = PROBE_TIMEOUT) -> tuple[float | None, str]:
    """The container duration (``None`` when ffprobe cannot tell) and its ``comment`` tag."""
    try:
        rc, out = await _probe(Path(path), "format=duration:format_tags=comment", time_limit)
    except OSError as e:
        raise FFmpegError(f"cannot run ffprobe: {e}") from e
    if rc != 0:
        return None, ""
    fields = _fields(out)
    try:
        duration: float | None = float(fields["duration"])
    except (KeyError, ValueError):
        duration = None
    # Matroska spells its tags in capitals
    return duration, next((v for k, v in fields.items() if k.lower() == "tag:comment"), "")


async def ffprobe_valid(path: Path, time_limit: float = PROBE_TIMEOUT) -> bool:
    """True when ffprobe opens the file and finds a video stream with a size."""
    try:
        rc, out = await _probe(
            Path(path), "stream=codec_type,width,height", time_limit, ("-select_streams", "v:0")
        )
    except OSError as e:
        raise FFmpegError(f"cannot run ffprobe: {e}") from e
    fields = _fields(out)
    return rc == 0 and fields.get("codec_type") == "video" and fields.get("width", "0") != "0"


async def ffprobe_packet_times(path: Path, count: int, time_limit: float = PROBE_TIMEOUT) -> list[float]:
    """The first ``count`` video packets' times (seconds, file order); ``[]`` when unreadable."""
    try:
        rc, out = await _probe(Path(path), "packet=pts_time", time_limit,
                               ("-select_streams", "v:0", "-read_intervals", f"%+#{count}"))  # fmt: skip
    except OSError as e:
        raise FFmpegError(f"cannot run ffprobe: {e}") from e
    times = []
    for line in out.splitlines() if rc == 0 else []:
        with contextlib.suppress(ValueError):
            times.append(float(line.partition("=")[2]))
    return times[:count]


async def ffprobe_video_params(path: Path, time_limit: float = PROBE_TIMEOUT) -> str | None:
    """The first video stream's codec, profile, size and pixel format as one string (two
    files with the same one can be joined by stream copy); ``None`` when unreadable."""
    try:
        rc, out = await _probe(Path(path), "stream=codec_name,profile,width,height,pix_fmt",
                               time_limit, ("-select_streams", "v:0"))  # fmt: skip
    except OSError as e:
        raise FFmpegError(f"cannot run ffprobe: {e}") from e
    return out.strip() if rc == 0 and out.strip() else None
