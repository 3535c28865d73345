"""Choosing a camera's default mode from its capabilities. Pure: no I/O.

The rule, in order of preference:

1. a size that fits in ``max_width`` x ``max_height`` and offers at least ``min_fps``;
2. among those, a compressed format the camera encodes itself (MJPEG, then H.264) before
   raw YUYV, before anything else (MJPEG first: ffmpeg decodes it reliably, while UVC H.264
   streams are known to stall on some firmware);
3. within the best format group, the largest size (by area), then the highest frame rate.

When no size reaches ``min_fps`` the same order applies to every size that fits (a slow
camera is better than none); when nothing fits the maximum, the smallest size of the best
format is used. Sizes whose driver reports no frame interval count as ``DEFAULT_FPS``.
"""

from __future__ import annotations

from ..models import CameraMode, Capabilities, FormatCaps, FrameSize

DEFAULT_FPS = 30.0
FORMAT_PREFERENCE: tuple[tuple[str, ...], ...] = (("MJPG", "JPEG"), ("H264",), ("YUYV",))
"""Format groups, best first; the order inside a group breaks ties of equal size."""


def format_rank(pixel_format: str) -> tuple[int, int]:
    """(group, position in group); formats in no group come after every group."""
    for group_index, group in enumerate(FORMAT_PREFERENCE):
        if pixel_format in group:
            return (group_index, group.index(pixel_format))
    return (len(FORMAT_PREFERENCE), 0)


def _rates(size: FrameSize) -> tuple[float, ...]:
    return size.fps or (DEFAULT_FPS,)


def _group(pixel_format: str) -> int:
    return format_rank(pixel_format)[0]


def choose_mode(
    caps: Capabilities, max_width: int, max_height: int, min_fps: float
) -> CameraMode | None:
    """The default mode for ``caps``, or ``None`` when the camera reports no size at all."""
    candidates: list[tuple[FormatCaps, FrameSize, float]] = [
        (fmt, size, max(_rates(size)))
        for fmt in caps.formats
        for size in fmt.sizes
        if size.width > 0 and size.height > 0
    ]
    if not candidates:
        return None

    fitting = [c for c in candidates if c[1].width <= max_width and c[1].height <= max_height]
    fast = [c for c in fitting if c[2] + 1e-6 >= min_fps]
    pool = fast or fitting
    if pool:
        best = min(
            pool,
            key=lambda c: (
                _group(c[0].pixel_format),
                -(c[1].width * c[1].height),
                -c[2],
                format_rank(c[0].pixel_format),
            ),
        )
    else:  # nothing fits the maximum: the smallest size, best format first
        best = min(
            candidates,
            key=lambda c: (
                _group(c[0].pixel_format),
                c[1].width * c[1].height,
                -c[2],
                format_rank(c[0].pixel_format),
            ),
        )
    fmt, size, fps = best
    return CameraMode(fmt.pixel_format, size.width, size.height, fps)
