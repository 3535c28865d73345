"""The motion detector: one class, one call, ``detect(frame) -> Detection``, no I/O.

After Frigate's "improved" motion detector, in numpy alone (no OpenCV: the only things it
would add here are a blur, a dilation and contours, which a 3x3 box blur and a coarse grid of
cells replace at 320x180 for a fraction of the cost of the dependency):

1. the grayscale frame is scaled to a fixed height (``FRAME_HEIGHT``, nearest pixel);
2. its contrast is stretched with the 4th/96th percentiles *averaged over a short history*, so
   a slow change of light moves the whole picture and the stretch takes it back out;
3. masked pixels (polygons, ``masks``) are left out before anything is compared;
4. the frame is compared with a background, a running weighted average of past frames; a
   pixel changed when it differs by more than ``threshold``; changed pixels count only in
   cells (``CELL`` pixels square) where enough of them changed, which drops sensor noise;
5. motion when the changed share of the picture reaches ``min_area`` percent; its boxes are
   the connected groups of active cells, in relative coordinates;
6. the background follows every still pixel, and a changed pixel only once its change
   persisted (``PERSIST_FRAMES`` frames in a row): a car that parks becomes background, a
   walker leaves no trail in it;
7. when most of the picture changes at once (``LIGHTNING``: a light switched on, the camera's
   IR switching, auto exposure), the detector recalibrates (the background follows fast for a
   while) and reports no motion, instead of firing event after event.

``Detector`` is the protocol an object detector (people, cars; a model) implements too: it
returns boxes with a label and a confidence in the same ``Detection``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from .masks import Polygon, rasterize

GrayFrame = npt.NDArray[np.uint8]
FloatArray = npt.NDArray[np.float32]

FRAME_HEIGHT = 180
CELL = 10  # pixels per side of the cells that filter noise
CELL_SHARE = 0.25  # a cell counts when this share of its pixels changed
CONTRAST_HISTORY = 10  # frames the percentiles are averaged over (2 s at 5 fps)
MAX_GAIN = 2.0  # the stretch never amplifies more (a flat picture would become all noise)
ALPHA = 0.05  # background weight of a new frame (time constant 20 frames, 4 s at 5 fps)
CALIBRATION_ALPHA = 0.2
PERSIST_FRAMES = 25  # frames of motion after which the background absorbs it
LIGHTNING = 0.6  # share of the picture changed at once that means "light", not motion
CALM = 0.05  # calibration ends when less than this share differs


@dataclass(frozen=True)
class Box:
    """A region in relative coordinates: ``x, y`` the top left corner, ``w, h`` the size, all
    fractions of the picture's width and height."""

    x: float
    y: float
    w: float
    h: float
    label: str = "motion"
    confidence: float = 1.0

    def union(self, other: Box) -> Box:
        x0, y0 = min(self.x, other.x), min(self.y, other.y)
        x1 = max(self.x + self.w, other.x + other.w)
        y1 = max(self.y + self.h, other.y + other.h)
        return Box(x0, y0, x1 - x0, y1 - y0, self.label, max(self.confidence, other.confidence))

    def as_dict(self) -> dict[str, float]:
        return {k: round(getattr(self, k), 4) for k in ("x", "y", "w", "h")}


def union_all(boxes: Sequence[Box]) -> Box | None:
    if not boxes:
        return None
    out = boxes[0]
    for b in boxes[1:]:
        out = out.union(b)
    return out


@dataclass(frozen=True)
class Detection:
    boxes: tuple[Box, ...] = ()
    score: float = 0.0  # percent of the (unmasked) picture that changed
    calibrating: bool = False

    @property
    def motion(self) -> bool:
        return bool(self.boxes)


class Detector(Protocol):
    """Anything that looks at one grayscale frame after another and says where things move."""

    def detect(self, frame: GrayFrame) -> Detection: ...


@dataclass(frozen=True)
class DetectorSettings:
    threshold: int = 25  # 1..255: pixel difference (after the stretch) that counts as change
    min_area: float = 0.5  # percent of the picture that must change
    masks: tuple[Polygon, ...] = field(default=())


class MotionDetector:
    """Frame differences against an adaptive background (see the module doc)."""

    def __init__(self, settings: DetectorSettings | None = None) -> None:
        self.settings = settings or DetectorSettings()
        self._bg: FloatArray | None = None
        self._open: npt.NDArray[np.bool_] | None = None
        self._open_count = 0
        self._contrast: deque[tuple[float, float]] = deque(maxlen=CONTRAST_HISTORY)
        self._frames = 0
        self._calm_after = 0  # frame number before which calibration cannot end
        self._calibrating = True
        self._streak: npt.NDArray[np.uint16] = np.zeros((0, 0), dtype=np.uint16)

    @property
    def calibrating(self) -> bool:
        return self._calibrating

    def configure(self, settings: DetectorSettings) -> None:
        """New threshold, area or masks; the background is kept (masks apply from now on)."""
        if settings.masks != self.settings.masks:
            self._open = None
        self.settings = settings

    def detect(self, frame: GrayFrame) -> Detection:
        small = _resize(frame, FRAME_HEIGHT)
        if self._open is None or self._open.shape != small.shape:
            masked = rasterize(self.settings.masks, *small.shape)
            self._open = ~masked
            self._open_count = int(self._open.sum())
        self._frames += 1
        if self._open_count == 0:
            return Detection()
        current = _blur3(self._stretch(small))
        if self._bg is None or self._bg.shape != current.shape:
            self._bg = current.copy()
            self._streak = np.zeros(current.shape, dtype=np.uint16)
            self._start_calibration()
            return Detection(calibrating=True)
        delta = current - self._bg
        # a change of the whole picture's brightness is light, not motion: take it out
        delta -= np.float32(np.median(delta[self._open] if self._open_count < delta.size else delta))
        changed = (np.abs(delta) > self.settings.threshold) & self._open
        share = float(changed.sum()) / self._open_count
        if share > LIGHTNING:
            self._start_calibration()
        if self._calibrating:
            self._bg += CALIBRATION_ALPHA * (current - self._bg)
            if self._frames >= self._calm_after and share < CALM:
                self._calibrating = False
            return Detection(score=round(share * 100, 3), calibrating=True)
        active, counted = _active_cells(changed)
        score = counted / self._open_count * 100
        boxes = _boxes(active, *changed.shape) if score >= self.settings.min_area else ()
        # a pixel joins the background where it is still, or once its change persisted
        self._streak = np.where(changed, self._streak + 1, 0).astype(np.uint16)
        follow = ~changed | (self._streak >= PERSIST_FRAMES)
        self._bg += np.where(follow, np.float32(ALPHA) * (current - self._bg), np.float32(0))
        return Detection(boxes, round(score, 3))

    def _start_calibration(self) -> None:
        self._calibrating = True
        self._streak[:] = 0
        self._calm_after = self._frames + CONTRAST_HISTORY

    def _stretch(self, small: GrayFrame) -> FloatArray:
        assert self._open is not None
        pixels = small[self._open] if self._open_count < small.size else small.ravel()
        low, high = np.percentile(pixels, (4, 96))
        self._contrast.append((float(low), float(high)))
        lo = sum(c[0] for c in self._contrast) / len(self._contrast)
        hi = sum(c[1] for c in self._contrast) / len(self._contrast)
        gain = min(255.0 / max(hi - lo, 1.0), MAX_GAIN)
        out: FloatArray = (small.astype(np.float32) - np.float32(lo)) * np.float32(gain)
        return out


def _resize(frame: GrayFrame, height: int) -> GrayFrame:
    if frame.ndim != 2:
        raise ValueError(f"expected a grayscale frame (2 dimensions), got shape {frame.shape}")
    h, w = frame.shape
    if h == height:
        return frame
    width = max(1, round(w * height / h))
    rows = (np.arange(height) * h // height).astype(np.intp)
    cols = (np.arange(width) * w // width).astype(np.intp)
    out: GrayFrame = frame[rows][:, cols]
    return out


def _blur3(a: FloatArray) -> FloatArray:
    """3x3 box blur, edges repeated."""
    p = np.pad(a, 1, mode="edge")
    h, w = a.shape
    out = np.zeros_like(a)
    for dy in range(3):
        for dx in range(3):
            out += p[dy : dy + h, dx : dx + w]
    out /= np.float32(9.0)
    return out


def _active_cells(changed: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.bool_], int]:
    """Cells where enough pixels changed, and how many changed pixels they hold."""
    h, w = changed.shape
    gh, gw = max(1, h // CELL), max(1, w // CELL)
    ch, cw = h // gh, w // gw
    counts = changed[: gh * ch, : gw * cw].reshape(gh, ch, gw, cw).sum(axis=(1, 3))
    active = counts >= CELL_SHARE * ch * cw
    return active, int(counts[active].sum())


def _boxes(active: npt.NDArray[np.bool_], height: int, width: int) -> tuple[Box, ...]:
    """One box per group of touching active cells (8-neighbourhood), largest first."""
    gh, gw = active.shape
    seen = np.zeros_like(active)
    found: list[tuple[int, Box]] = []
    for start in zip(*np.nonzero(active), strict=True):
        if seen[start]:
            continue
        stack, cells = [start], []
        seen[start] = True
        while stack:
            r, c = stack.pop()
            cells.append((r, c))
            for dr in (-1, 0, 1):
                for dc in (-1, 0, 1):
                    nr, nc = r + dr, c + dc
                    if 0 <= nr < gh and 0 <= nc < gw and active[nr, nc] and not seen[nr, nc]:
                        seen[nr, nc] = True
                        stack.append((nr, nc))
        rows = [r for r, _ in cells]
        cols = [c for _, c in cells]
        r0, r1, c0, c1 = min(rows), max(rows) + 1, min(cols), max(cols) + 1
        found.append((len(cells), Box(c0 / gw, r0 / gh, (c1 - c0) / gw, (r1 - r0) / gh)))
    found.sort(key=lambda item: -item[0])
    return tuple(b for _, b in found)
