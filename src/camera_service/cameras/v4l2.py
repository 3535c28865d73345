"""V4L2 probing with real ioctls (ctypes): what a ``/dev/videoN`` node is and can produce.

``probe_device(path)`` is blocking (open + a few dozen ioctls, milliseconds on a real
camera); ``probe(path, limit)`` runs it in an executor (``probe_threads.ProbeThreads``) with a
bound. The structures and request numbers are in ``v4l2_abi``. Any failure becomes
``ProbeError`` with a reason a person can act on.

A full probe walks every format, frame size and frame interval: hundreds of ioctls for a
camera with many modes. When the caller already knows the camera (``known``: what an
earlier probe of the same identity found), the probe stops after ``VIDIOC_QUERYCAP`` and
``VIDIOC_ENUM_FMT`` if that quick look (the ``Fingerprint``: driver, card, bus, driver
version, device caps and the format list) is unchanged, and reuses the earlier sizes and
rates. A replugged camera is thus known again after a handful of ioctls.

``ioctl`` is called through ``ctypes.CDLL(None)`` (the process's global symbol scope) so
that an ``LD_PRELOAD``-ed libc wrapper, such as umockdev's, sees the calls, and because a
ctypes call releases the GIL while the driver works.
"""

from __future__ import annotations

import asyncio
import ctypes
import errno
import os
from concurrent.futures import Executor
from dataclasses import dataclass
from fractions import Fraction

from ..errors import ProbeError
from ..models import Capabilities, FormatCaps, FrameSize
from ..waits import bounded
from .v4l2_abi import (
    BUF_TYPE_VIDEO_CAPTURE,
    BUF_TYPE_VIDEO_CAPTURE_MPLANE,
    CAP_DEVICE_CAPS,
    CAP_VIDEO_CAPTURE,
    CAP_VIDEO_CAPTURE_MPLANE,
    FRMIVAL_TYPE_DISCRETE,
    FRMSIZE_TYPE_DISCRETE,
    VIDIOC_ENUM_FMT,
    VIDIOC_ENUM_FRAMEINTERVALS,
    VIDIOC_ENUM_FRAMESIZES,
    VIDIOC_QUERYCAP,
    fourcc_name,
    v4l2_capability,
    v4l2_fmtdesc,
    v4l2_frmivalenum,
    v4l2_frmsizeenum,
)

MAX_FORMATS = 64  # the most entries read of each enumeration
MAX_SIZES = 256
MAX_INTERVALS = 64
COMMON_SIZES = (
    (320, 240), (640, 360), (640, 480), (800, 600), (1024, 768), (1280, 720),
    (1280, 960), (1600, 1200), (1920, 1080), (2560, 1440), (3840, 2160),
)  # fmt: skip
COMMON_FPS = (5.0, 10.0, 15.0, 20.0, 24.0, 25.0, 30.0, 50.0, 60.0)


# -- results ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class DeviceInfo:
    driver: str
    card: str
    bus_info: str
    capabilities: int
    device_caps: int
    version: int = 0  # the driver's (kernel's) version, KERNEL_VERSION-encoded

    @property
    def buffer_type(self) -> int | None:
        if self.device_caps & CAP_VIDEO_CAPTURE:
            return BUF_TYPE_VIDEO_CAPTURE
        if self.device_caps & CAP_VIDEO_CAPTURE_MPLANE:
            return BUF_TYPE_VIDEO_CAPTURE_MPLANE
        return None

    @property
    def is_capture(self) -> bool:
        """False for metadata-only nodes (UVC's second node), outputs, radios, ..."""
        return self.buffer_type is not None


@dataclass(frozen=True)
class Fingerprint:
    """What ``VIDIOC_QUERYCAP`` and ``VIDIOC_ENUM_FMT`` say about a node: when it is
    unchanged, so are the sizes and rates behind its formats (the bus is part of it, so a
    camera moved to another port, maybe a slower one, is probed in full)."""

    info: DeviceInfo
    formats: tuple[tuple[int, int, str], ...]  # (fourcc, flags, description) in driver order


@dataclass(frozen=True)
class ProbeResult:
    path: str
    info: DeviceInfo
    capabilities: Capabilities  # empty for a node that cannot capture
    fingerprint: Fingerprint | None = None  # None for a node that cannot capture
    reused: bool = False  # the capabilities came from ``known``, not from the driver


KnownCapabilities = tuple[Fingerprint, Capabilities]


# -- pure helpers ----------------------------------------------------------------------------
def expand_stepwise(
    min_w: int, max_w: int, step_w: int, min_h: int, max_h: int, step_h: int
) -> list[tuple[int, int]]:
    """Representative sizes of a stepwise/continuous range: the common sizes it can
    produce, plus its maximum. Largest first."""

    def fits(value: int, low: int, high: int, step: int) -> bool:
        return low <= value <= high and (step <= 1 or (value - low) % step == 0)

    sizes = {
        (w, h)
        for w, h in COMMON_SIZES
        if fits(w, min_w, max_w, step_w) and fits(h, min_h, max_h, step_h)
    }
    sizes.add((max_w, max_h))
    return sorted(sizes, key=lambda s: s[0] * s[1], reverse=True)


def fps_of(numerator: int, denominator: int) -> float | None:
    """Frames per second of a frame interval ``numerator/denominator`` seconds."""
    if numerator <= 0 or denominator <= 0:
        return None
    return round(float(Fraction(denominator, numerator)), 3)


def expand_interval_range(slow_fps: float, fast_fps: float) -> tuple[float, ...]:
    """Representative rates of a stepwise/continuous interval range, fastest first."""
    rates = {r for r in COMMON_FPS if slow_fps - 1e-6 <= r <= fast_fps + 1e-6}
    rates.add(round(fast_fps, 3))
    return tuple(sorted(rates, reverse=True))


# -- ioctls ----------------------------------------------------------------------------------
_libc = ctypes.CDLL(None, use_errno=True)
_ioctl = _libc.ioctl
_ioctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p]
_ioctl.restype = ctypes.c_int


def _call(fd: int, request: int, arg: ctypes.Structure) -> int:
    """0 on success, else the errno (EINTR retried)."""
    while True:
        if _ioctl(fd, request, ctypes.byref(arg)) == 0:
            return 0
        err = ctypes.get_errno()
        if err != errno.EINTR:
            return err


def _fail(path: str, what: str, err: int) -> ProbeError:
    return ProbeError(f"{path}: {what} failed: {os.strerror(err)} (errno {err})")


def query_capabilities(fd: int, path: str) -> DeviceInfo:
    cap = v4l2_capability()
    if err := _call(fd, VIDIOC_QUERYCAP, cap):
        raise _fail(path, "VIDIOC_QUERYCAP", err)
    device_caps = cap.device_caps if cap.capabilities & CAP_DEVICE_CAPS else cap.capabilities
    return DeviceInfo(
        driver=cap.driver.decode(errors="replace"),
        card=cap.card.decode(errors="replace"),
        bus_info=cap.bus_info.decode(errors="replace"),
        capabilities=cap.capabilities,
        device_caps=device_caps,
        version=cap.version,
    )


def _intervals(fd: int, path: str, pixel_format: int, width: int, height: int) -> tuple[float, ...]:
    rates: list[float] = []
    for index in range(MAX_INTERVALS):
        ival = v4l2_frmivalenum(index=index, pixel_format=pixel_format, width=width, height=height)
        if err := _call(fd, VIDIOC_ENUM_FRAMEINTERVALS, ival):
            if err == errno.EINVAL or err == errno.ENOTTY:
                break  # end of the list, or the driver does not enumerate intervals
            raise _fail(path, "VIDIOC_ENUM_FRAMEINTERVALS", err)
        if ival.type == FRMIVAL_TYPE_DISCRETE:
            fps = fps_of(ival.u.discrete.numerator, ival.u.discrete.denominator)
            if fps is not None and fps not in rates:
                rates.append(fps)
            continue
        step = ival.u.stepwise  # continuous or stepwise: one entry describes the range
        fast = fps_of(step.min.numerator, step.min.denominator)
        slow = fps_of(step.max.numerator, step.max.denominator)
        if fast is not None:
            rates.extend(expand_interval_range(slow or fast, fast))
        break
    return tuple(sorted(set(rates), key=rates.index))


def _sizes(fd: int, path: str, pixel_format: int) -> tuple[FrameSize, ...]:
    dims: list[tuple[int, int]] = []
    for index in range(MAX_SIZES):
        size = v4l2_frmsizeenum(index=index, pixel_format=pixel_format)
        if err := _call(fd, VIDIOC_ENUM_FRAMESIZES, size):
            if err == errno.EINVAL or err == errno.ENOTTY:
                break
            raise _fail(path, "VIDIOC_ENUM_FRAMESIZES", err)
        if size.type == FRMSIZE_TYPE_DISCRETE:
            dims.append((size.u.discrete.width, size.u.discrete.height))
            continue
        s = size.u.stepwise
        dims.extend(
            expand_stepwise(
                s.min_width, s.max_width, s.step_width, s.min_height, s.max_height, s.step_height
            )
        )
        break
    return tuple(
        FrameSize(w, h, _intervals(fd, path, pixel_format, w, h)) for w, h in dict.fromkeys(dims)
    )


def list_formats(fd: int, path: str, buffer_type: int) -> tuple[tuple[int, int, str], ...]:
    """``VIDIOC_ENUM_FMT``: (fourcc, flags, description) of each format, in driver order."""
    formats: list[tuple[int, int, str]] = []
    for index in range(MAX_FORMATS):
        desc = v4l2_fmtdesc(index=index, type=buffer_type)
        if err := _call(fd, VIDIOC_ENUM_FMT, desc):
            if err == errno.EINVAL:
                break
            raise _fail(path, "VIDIOC_ENUM_FMT", err)
        formats.append((desc.pixelformat, desc.flags, desc.description.decode(errors="replace")))
    return tuple(formats)


def _capabilities(fd: int, path: str, formats: tuple[tuple[int, int, str], ...]) -> Capabilities:
    return Capabilities(tuple(
        FormatCaps(
            pixel_format=fourcc_name(fourcc),
            description=description,
            sizes=_sizes(fd, path, fourcc),
        )
        for fourcc, _flags, description in formats
    ))


def probe_device(path: str, known: KnownCapabilities | None = None) -> ProbeResult:
    """Blocking: open ``path`` and ask the driver what it is and what it can produce.
    ``known``: an earlier result for the same camera, reused when its fingerprint matches."""
    try:
        # a node unplugged before its probe ran is answered by a stat, not a failed open: a
        # failed open of a /dev node is never forgotten by umockdev's preload (0.17: it keeps
        # fd -1 in a table of 50), which the hotplug tests would overflow; same error either way
        os.stat(path)
        fd = os.open(path, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as e:
        raise ProbeError(f"{path}: cannot open: {e.strerror or e}") from e
    try:
        info = query_capabilities(fd, path)
        buffer_type = info.buffer_type
        if buffer_type is None:
            return ProbeResult(path, info, Capabilities())
        fingerprint = Fingerprint(info, list_formats(fd, path, buffer_type))
        if not fingerprint.formats:
            raise ProbeError(f"{path}: the driver lists no capture format")
        if known is not None and known[0] == fingerprint:
            return ProbeResult(path, info, known[1], fingerprint, reused=True)
        caps = _capabilities(fd, path, fingerprint.formats)
        return ProbeResult(path, info, caps, fingerprint)
    finally:
        os.close(fd)


async def probe(
    path: str,
    limit: float,
    executor: Executor | None = None,
    known: KnownCapabilities | None = None,
) -> ProbeResult:
    """``probe_device`` off the event loop, bounded by ``limit`` seconds."""
    loop = asyncio.get_running_loop()
    future = loop.run_in_executor(executor, probe_device, path, known)
    try:
        return await bounded(future, limit)
    except TimeoutError:
        raise ProbeError(f"{path}: no answer from the driver within {limit:g} s") from None
