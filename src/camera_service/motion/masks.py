"""Masks as polygons in relative coordinates, turned into a boolean pixel array. Pure.

A polygon is a list of ``[x, y]`` points with ``0 <= x, y <= 1`` (fractions of the picture's
width and height). A pixel is masked when its centre lies inside any polygon (even-odd rule),
so a mask drawn on a snapshot of any size covers the same part of the picture.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from .settings import Polygon

BoolArray = npt.NDArray[np.bool_]


def rasterize(polygons: Sequence[Polygon], height: int, width: int) -> BoolArray:
    """A ``height x width`` array, True where a pixel is masked (ignored)."""
    mask = np.zeros((height, width), dtype=bool)
    if not polygons:
        return mask
    ys = (np.arange(height, dtype=np.float64) + 0.5) / height
    xs = (np.arange(width, dtype=np.float64) + 0.5) / width
    px, py = np.meshgrid(xs, ys)
    for poly in polygons:
        if len(poly) < 3:
            continue
        inside = np.zeros((height, width), dtype=bool)
        n = len(poly)
        for i in range(n):
            x1, y1 = poly[i]
            x2, y2 = poly[(i + 1) % n]
            if y1 == y2:
                continue  # a horizontal edge never crosses a horizontal ray
            crosses = (py >= min(y1, y2)) & (py < max(y1, y2))
            x_at = x1 + (py - y1) * (x2 - x1) / (y2 - y1)
            inside ^= crosses & (px < x_at)
        mask |= inside
    return mask
