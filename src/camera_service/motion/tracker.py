"""The event state machine: detections in, ``started``/``updated``/``ended`` out. Pure: the
caller gives every time.

- An event starts after ``confirm_frames`` frames with motion in a row; its start is the time
  of the first of them (when the motion began, not when it was confirmed).
- While it runs, it keeps its peak score (and when it was), and the region that moved (the
  union of every box); ``updated`` comes with a frame of motion, at most once per
  ``update_interval``.
- It ends once ``quiet_seconds`` pass without motion; its end is the last frame with motion.
  Frames of a recalibrating detector count as no motion.
- ``close(t, cause)`` ends a running event at once (the stream was lost, the service stops).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from .detector import Box, Detection, union_all

Kind = Literal["started", "updated", "ended"]


@dataclass(frozen=True)
class TrackerSettings:
    confirm_frames: int = 2
    quiet_seconds: float = 5.0
    update_interval: float = 1.0


@dataclass(frozen=True)
class EventState:
    start: float
    last_motion: float
    peak_score: float
    peak_time: float
    region: Box | None
    end: float | None = None
    cause: str = ""  # why it ended: "quiet", or what close() was given


@dataclass(frozen=True)
class Change:
    kind: Kind
    event: EventState


@dataclass(frozen=True)
class Step:
    change: Change | None = None
    new_peak: bool = False  # this frame is the (pending or running) event's peak so far


class EventTracker:
    def __init__(self, settings: TrackerSettings | None = None) -> None:
        self.settings = settings or TrackerSettings()
        self._pending: EventState | None = None  # motion not yet confirmed
        self._pending_frames = 0
        self._event: EventState | None = None
        self._last_emit = 0.0

    @property
    def active(self) -> EventState | None:
        return self._event

    def feed(self, t: float, detection: Detection) -> Step:
        moved = detection.motion and not detection.calibrating
        if self._event is None:
            return self._feed_idle(t, detection) if moved else self._reset_pending()
        if moved:
            return self._feed_motion(t, detection)
        if t - self._event.last_motion >= self.settings.quiet_seconds:
            return Step(self._end("quiet"))
        return Step()

    def close(self, t: float, cause: str) -> Change | None:
        """End a running event now; a pending one is dropped."""
        self._reset_pending()
        return self._end(cause) if self._event is not None else None

    def _reset_pending(self) -> Step:
        self._pending, self._pending_frames = None, 0
        return Step()

    def _feed_idle(self, t: float, d: Detection) -> Step:
        region = union_all(d.boxes)
        p = self._pending
        new_peak = p is None or d.score > p.peak_score
        if p is None:
            p = EventState(t, t, d.score, t, region)
        else:
            p = _merged(p, t, d.score, region)
        self._pending, self._pending_frames = p, self._pending_frames + 1
        if self._pending_frames < self.settings.confirm_frames:
            return Step(new_peak=new_peak)
        self._event, self._pending, self._pending_frames = p, None, 0
        self._last_emit = t
        return Step(Change("started", p), new_peak)

    def _feed_motion(self, t: float, d: Detection) -> Step:
        assert self._event is not None
        new_peak = d.score > self._event.peak_score
        self._event = _merged(self._event, t, d.score, union_all(d.boxes))
        if t - self._last_emit >= self.settings.update_interval:
            self._last_emit = t
            return Step(Change("updated", self._event), new_peak)
        return Step(new_peak=new_peak)

    def _end(self, cause: str) -> Change:
        assert self._event is not None
        ended = replace(self._event, end=self._event.last_motion, cause=cause)
        self._event = None
        return Change("ended", ended)


def _merged(e: EventState, t: float, score: float, region: Box | None) -> EventState:
    peak = score > e.peak_score
    if region is not None and e.region is not None:
        region = e.region.union(region)
    return replace(
        e,
        last_motion=t,
        peak_score=score if peak else e.peak_score,
        peak_time=t if peak else e.peak_time,
        region=region or e.region,
    )
