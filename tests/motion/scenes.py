"""Synthetic grayscale frame sequences (320x180, 5 fps) for the detector's pure tests."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

H, W, FPS = 180, 320, 5
Frame = npt.NDArray[np.uint8]


def scene(seed: int = 1) -> npt.NDArray[np.float32]:
    """A still picture with structure: smooth gradients and blocks, values 40..200."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(40, 200, size=(H // 20 + 1, W // 20 + 1)).astype(np.float32)
    big = np.kron(coarse, np.ones((20, 20), dtype=np.float32))[:H, :W]
    ramp = np.linspace(0, 30, W, dtype=np.float32)[None, :]
    return np.clip(big + ramp - 15, 0, 255).astype(np.float32)


def frames(
    count: int,
    *,
    noise: float = 6.0,
    gain: list[float] | None = None,
    box: dict[int, tuple[int, int]] | None = None,
    box_size: int = 40,
    seed: int = 1,
) -> Iterator[Frame]:
    """``count`` frames of ``scene``: sensor noise (std ``noise``), a brightness ``gain`` per
    frame, and a bright box whose top left corner is ``box[i]`` in frame ``i``."""
    base = scene(seed)
    rng = np.random.default_rng(seed + 100)
    for i in range(count):
        f = base * (gain[i] if gain else 1.0)
        if box and i in box:
            x, y = box[i]
            x0, y0 = max(0, x), max(0, y)
            x1, y1 = min(W, x + box_size), min(H, y + box_size)
            if x1 > x0 and y1 > y0:
                f = f.copy()
                f[y0:y1, x0:x1] = 250.0 if f[y0:y1, x0:x1].mean() < 150 else 10.0
        f = f + rng.normal(0, noise, size=(H, W)).astype(np.float32)
        yield np.clip(f, 0, 255).astype(np.uint8)


def crossing(enter: int, speed: int, y: int = 70, box_size: int = 40) -> dict[int, tuple[int, int]]:
    """A box entering at the left edge in frame ``enter``, leaving at the right."""
    out = {}
    i, x = enter, -box_size + speed
    while x < W:
        out[i] = (x, y)
        i, x = i + 1, x + speed
    return out
