"""The host's hardware H.264 encoders, found once at start-up (``HostEncoders``); the choice
among them is ``mediamtx.encoders.choose_encoder`` (pure).

* V4L2 memory-to-memory encoders: every ``/dev/video*`` node whose ``VIDIOC_QUERYCAP`` says
  M2M and whose capture queue lists H.264 (``VIDIOC_ENUM_FMT``), probed in daemon threads
  (``probe_threads.ProbeThreads``: a wedged driver holds only its own thread);
* VA-API: every ``/dev/dri/renderD*`` node, asked with ``vainfo`` when it is installed, else
  by encoding one frame with ffmpeg's ``h264_vaapi`` there;
* ffmpeg's own list of encoders (``ffmpeg -encoders``), so an encoder ffmpeg lacks is not
  chosen.

Every step is bounded by ``limit``; a child process that overruns is killed. Nothing here
raises: what cannot be probed becomes a note.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import logging
import os
import shutil

from ..errors import ProbeError
from ..mediamtx.encoders import (
    CAP_VIDEO_M2M,
    CAP_VIDEO_M2M_MPLANE,
    is_m2m_h264_encoder,
    vainfo_encodes_h264,
)
from ..models import HostEncoders
from ..waits import bounded
from . import v4l2
from .probe_threads import ProbeThreads
from .v4l2_abi import BUF_TYPE_VIDEO_CAPTURE, BUF_TYPE_VIDEO_CAPTURE_MPLANE, fourcc_name

log = logging.getLogger(__name__)
COMPONENT = "encoders"
FFMPEG = "ffmpeg"


def m2m_h264_nodes(pattern: str = "/dev/video*") -> list[str]:
    """Blocking: the V4L2 M2M nodes that encode H.264."""
    found = []
    for path in sorted(glob.glob(pattern)):
        try:
            fd = os.open(path, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            info = v4l2.query_capabilities(fd, path)
            if not info.device_caps & (CAP_VIDEO_M2M | CAP_VIDEO_M2M_MPLANE):
                continue
            mplane = bool(info.device_caps & CAP_VIDEO_M2M_MPLANE)
            buffer_type = BUF_TYPE_VIDEO_CAPTURE_MPLANE if mplane else BUF_TYPE_VIDEO_CAPTURE
            names = [fourcc_name(code) for code, _, _ in v4l2.list_formats(fd, path, buffer_type)]
            if is_m2m_h264_encoder(info.device_caps, names):
                found.append(path)
        except ProbeError:
            continue
        finally:
            os.close(fd)
    return found


async def _run(argv: list[str], limit: float) -> tuple[int, str] | None:
    """``(exit code, stdout + stderr)``, or ``None`` when it cannot run or overruns."""
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT)
    except OSError:
        return None
    try:
        out, _ = await bounded(proc.communicate(), limit)
    except (TimeoutError, asyncio.CancelledError) as e:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        with contextlib.suppress(TimeoutError):
            await bounded(asyncio.shield(proc.wait()), 2.0)
        if isinstance(e, asyncio.CancelledError):
            raise
        return None
    return proc.returncode or 0, out.decode(errors="replace")


async def ffmpeg_encoders(limit: float) -> frozenset[str] | None:
    result = await _run([FFMPEG, "-hide_banner", "-encoders"], limit)
    if result is None or result[0] != 0:
        return None
    names = set()
    for line in result[1].splitlines():
        parts = line.split()
        if len(parts) >= 2 and len(parts[0]) == 6 and parts[0][0] in "VAS":
            names.add(parts[1])
    return frozenset(names)


async def vaapi_encodes_h264(device: str, limit: float) -> tuple[bool, str]:
    """Whether the VA-API driver of ``device`` encodes H.264, and how that was found."""
    if shutil.which("vainfo"):
        result = await _run(["vainfo", "--display", "drm", "--device", device], limit)
        if result is not None:
            return vainfo_encodes_h264(result[1]), "vainfo"
    result = await _run([FFMPEG, "-hide_banner", "-loglevel", "error", "-init_hw_device",
                         f"vaapi=va:{device}", "-filter_hw_device", "va", "-f", "lavfi", "-i",
                         "testsrc2=size=256x144:rate=1", "-frames:v", "1", "-vf",
                         "format=nv12,hwupload", "-c:v", "h264_vaapi", "-f", "null", "-"], limit)
    return (result is not None and result[0] == 0), "a one-frame ffmpeg encode"


async def probe(limit: float = 10.0) -> HostEncoders:
    """What this host offers (see the module docstring), in at most about ``3 * limit`` seconds."""
    notes: list[str] = []
    loop = asyncio.get_running_loop()
    threads = ProbeThreads()
    try:
        m2m = await bounded(loop.run_in_executor(threads, m2m_h264_nodes), limit)
    except TimeoutError:
        m2m = []
        notes.append(f"V4L2 M2M probe took more than {limit:g} s")
    renders = sorted(glob.glob("/dev/dri/renderD*"))
    encoders = None  # asked only when there is a hardware encoder to choose
    if m2m or renders:
        encoders = await ffmpeg_encoders(limit)
        if encoders is None:
            notes.append("ffmpeg -encoders failed")
    vaapi = []
    for device in renders:
        ok, how = await vaapi_encodes_h264(device, limit)
        if ok:
            vaapi.append(device)
        else:
            notes.append(f"{device} does not encode H.264 (asked {how})")
    if not m2m:
        notes.insert(0, "no V4L2 M2M H.264 encoder")
    if not renders:
        notes.append("no VA-API render node")
    return HostEncoders(tuple(m2m), tuple(vaapi), encoders, tuple(notes))
