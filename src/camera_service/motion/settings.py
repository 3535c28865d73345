"""One camera's motion settings (``cameras.motion`` and ``set_motion_config``). Pure.

``MotionSpec`` is the whole setting; ``spec_from_mapping`` checks a config section or RPC
params (``base`` with the keys given replaced) and raises ``ValueError`` naming the bad key;
``encode``/``decode`` are the file of run-time settings in the state folder. Masks are
polygons in relative coordinates (``[[x, y], ...]``, 0..1), at least three points each.
No numpy here: the configuration imports this module.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..statefile import decode_per_camera, encode_per_camera

Point = tuple[float, float]
Polygon = tuple[Point, ...]

FILE_VERSION = 1
MAX_MASKS = 16
MAX_POINTS = 64
KEYS = (
    "enabled", "threshold", "min_area", "masks", "confirm_frames", "quiet_seconds",
    "pre_capture", "post_capture",
)  # fmt: skip


@dataclass(frozen=True)
class MotionSpec:
    enabled: bool = False
    threshold: int = 25  # 1..255, pixel difference that counts (lower: more sensitive)
    min_area: float = 0.5  # percent of the picture that must change
    masks: tuple[Polygon, ...] = ()
    confirm_frames: int = 2  # frames with motion in a row that start an event (5 a second)
    quiet_seconds: float = 5.0  # seconds without motion that end it
    pre_capture: float = 5.0  # seconds of recording kept before the event
    post_capture: float = 5.0  # and after it

    def as_dict(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "threshold": self.threshold,
            "min_area": self.min_area,
            "masks": [[[x, y] for x, y in poly] for poly in self.masks],
            "confirm_frames": self.confirm_frames,
            "quiet_seconds": self.quiet_seconds,
            "pre_capture": self.pre_capture,
            "post_capture": self.post_capture,
        }


def _number(value: Any, key: str, low: float, high: float) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not low <= value <= high:
        raise ValueError(f"{key}: expected a number {low:g}..{high:g}, got {value!r}")
    return float(value)


def _integer(value: Any, key: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{key}: expected an integer {low}..{high}, got {value!r}")
    return value


def parse_masks(value: Any, key: str) -> tuple[Polygon, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_MASKS:
        raise ValueError(f"{key}: expected a list of at most {MAX_MASKS} polygons")
    out = []
    for i, poly in enumerate(value):
        where = f"{key}[{i}]"
        if not isinstance(poly, list) or not 3 <= len(poly) <= MAX_POINTS:
            raise ValueError(f"{where}: expected a polygon, a list of 3..{MAX_POINTS} [x, y] points")
        points = []
        for j, point in enumerate(poly):
            if not isinstance(point, list | tuple) or len(point) != 2:
                raise ValueError(f"{where}[{j}]: expected a point [x, y], got {point!r}")
            x = _number(point[0], f"{where}[{j}]", 0.0, 1.0)
            y = _number(point[1], f"{where}[{j}]", 0.0, 1.0)
            points.append((x, y))
        out.append(tuple(points))
    return tuple(out)


def spec_from_mapping(data: Mapping[str, Any], base: MotionSpec | None = None, where: str = "") -> MotionSpec:
    """``base`` with the keys given in ``data`` replaced; ``ValueError`` names the bad key."""
    spec = base or MotionSpec()
    p = f"{where}." if where else ""
    extra = sorted(str(k) for k in set(data) - set(KEYS))
    if extra:
        raise ValueError(f"{p}{extra[0]}: unknown key (known: {', '.join(KEYS)})")
    if "enabled" in data:
        if not isinstance(data["enabled"], bool):
            raise ValueError(f"{p}enabled: expected true or false, got {data['enabled']!r}")
        spec = replace(spec, enabled=data["enabled"])
    if "threshold" in data:
        spec = replace(spec, threshold=_integer(data["threshold"], f"{p}threshold", 1, 255))
    if "min_area" in data:
        spec = replace(spec, min_area=_number(data["min_area"], f"{p}min_area", 0.01, 100.0))
    if "masks" in data:
        spec = replace(spec, masks=parse_masks(data["masks"], f"{p}masks"))
    if "confirm_frames" in data:
        spec = replace(spec, confirm_frames=_integer(data["confirm_frames"], f"{p}confirm_frames", 1, 50))
    if "quiet_seconds" in data:
        spec = replace(spec, quiet_seconds=_number(data["quiet_seconds"], f"{p}quiet_seconds", 0.2, 600.0))
    if "pre_capture" in data:
        spec = replace(spec, pre_capture=_number(data["pre_capture"], f"{p}pre_capture", 0.0, 600.0))
    if "post_capture" in data:
        spec = replace(spec, post_capture=_number(data["post_capture"], f"{p}post_capture", 0.0, 600.0))
    return spec


def encode(specs: Mapping[str, MotionSpec]) -> str:
    return encode_per_camera(specs, FILE_VERSION)


def decode(text: str) -> dict[str, MotionSpec]:
    """Raises ``ValueError`` saying what is wrong."""
    return decode_per_camera(text, FILE_VERSION, lambda data, where: spec_from_mapping(data, where=where))
