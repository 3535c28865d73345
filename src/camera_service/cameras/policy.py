"""Small pure decisions of the camera monitor: which nodes to watch, what to call a camera,
how long to wait before probing a failing network camera again. No I/O."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping

from ..models import CameraMode, Capabilities, FormatCaps, FrameSize

TEST_PATTERN_FORMAT = "testsrc2"


def match_keys(device_node: str | None, properties: Mapping[str, str]) -> list[str]:
    """What include/exclude patterns are matched against: the node, its udev symlinks
    (``/dev/v4l/by-id/...``, ``/dev/v4l/by-path/...``) and its serial."""
    keys = [device_node] if device_node else []
    keys += properties.get("DEVLINKS", "").split()
    keys += [v for k in ("ID_SERIAL", "ID_SERIAL_SHORT") if (v := properties.get(k))]
    return keys


def selected(keys: Iterable[str], include: Iterable[str], exclude: Iterable[str]) -> bool:
    """Included by any ``include`` pattern (all, when there is none) and by no ``exclude``."""
    keys = list(keys)
    include = list(include)

    def hit(patterns: Iterable[str]) -> bool:
        return any(fnmatch.fnmatchcase(k, p) for p in patterns for k in keys)

    return (not include or hit(include)) and not hit(exclude)


def usb_name(
    camera_id: str,
    names: Mapping[str, str],
    properties: Mapping[str, str],
    card: str = "",
    device_node: str | None = None,
) -> str:
    """Configured name (by id, then by serial), else what the device calls itself."""
    for key in (camera_id, properties.get("ID_SERIAL"), properties.get("ID_SERIAL_SHORT")):
        if key and key in names:
            return names[key]
    for prop in ("ID_V4L_PRODUCT", "ID_MODEL_FROM_DATABASE", "ID_MODEL"):
        if value := properties.get(prop):
            return value.replace("_", " ").strip()
    if card:
        return card
    return f"USB camera {device_node}" if device_node else "USB camera"


def network_name(camera_id: str, names: Mapping[str, str], configured: str | None, host: str) -> str:
    if configured:
        return configured
    return names.get(camera_id) or f"Network camera {host}".strip()


def backoff_delay(failures: int, interval: float, max_backoff: float) -> float:
    """Delay before the next probe after ``failures`` failures in a row (0 = healthy)."""
    if failures <= 0:
        return interval
    return min(interval * 2 ** (failures - 1), max(max_backoff, interval))


def pattern_mode(width: int, height: int, fps: float) -> tuple[CameraMode, Capabilities]:
    mode = CameraMode(TEST_PATTERN_FORMAT, width, height, float(fps))
    size = FrameSize(width, height, (float(fps),))
    caps = Capabilities((FormatCaps(TEST_PATTERN_FORMAT, "ffmpeg lavfi test pattern", (size,)),))
    return mode, caps
