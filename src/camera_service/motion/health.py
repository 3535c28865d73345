"""How each camera's detector does, for ``get_status`` and ``/health``. Pure.

A worker's ``reason`` (``motion.worker``) becomes a state: ``off`` (detection disabled or
the camera away), ``starting`` (reading, no frame yet), ``running`` (frames come), or
``failed`` with the reason (the stream was lost; it is retried). ``FrameRate`` says how
many frames a second the detector looked at lately.
"""

from __future__ import annotations

from collections import deque
from typing import Any

WINDOW = 5.0  # seconds of frames the rate is taken over
RETRYING = "retrying: "


class FrameRate:
    """Frames a second over the last ``WINDOW`` seconds; the caller gives every time."""

    def __init__(self, window: float = WINDOW) -> None:
        self.window = window
        self._times: deque[float] = deque()

    def add(self, t: float) -> None:
        self._times.append(t)
        self._drop(t)

    def rate(self, now: float) -> float:
        self._drop(now)
        if len(self._times) < 2:
            return 0.0
        span = max(self._times[-1] - self._times[0], now - self._times[0])
        return round((len(self._times) - 1) / span, 2) if span > 0 else 0.0

    def _drop(self, now: float) -> None:
        while self._times and self._times[0] < now - self.window:
            self._times.popleft()


def detector_state(reason: str) -> tuple[str, str]:
    """``(state, reason)`` of a worker's ``reason``; the reason is empty unless it failed."""
    if reason == "detecting":
        return "running", ""
    if reason == "starting":
        return "starting", ""
    if reason.startswith(RETRYING):
        return "failed", reason.removeprefix(RETRYING)
    return "off", ""


def camera_health(reason: str, fps: float, frames: int) -> dict[str, Any]:
    state, why = detector_state(reason)
    return {"state": state, "reason": why, "fps": fps if state == "running" else 0.0, "frames": frames}
