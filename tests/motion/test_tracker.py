"""The event state machine alone (pure)."""

from __future__ import annotations

import pytest

from camera_service.motion.detector import Box, Detection
from camera_service.motion.tracker import EventTracker, TrackerSettings

pytestmark = pytest.mark.unit

MOVE = Detection((Box(0.1, 0.1, 0.1, 0.1),), 2.0)
BIG = Detection((Box(0.5, 0.5, 0.2, 0.2),), 9.0)
STILL = Detection()


def test_confirm_frames_in_a_row_start_an_event_dated_at_the_first() -> None:
    t = EventTracker(TrackerSettings(confirm_frames=3, quiet_seconds=2.0))
    assert t.feed(0.0, MOVE).change is None
    assert t.feed(0.2, MOVE).change is None
    assert t.feed(0.4, STILL).change is None  # the run broke: nothing pending
    assert t.feed(0.6, MOVE).change is None
    assert t.feed(0.8, MOVE).change is None
    step = t.feed(1.0, BIG)
    assert step.change is not None and step.change.kind == "started" and step.new_peak
    assert step.change.event.start == 0.6 and step.change.event.peak_score == 9.0
    assert t.active is not None


def test_quiet_time_ends_it_at_the_last_motion() -> None:
    t = EventTracker(TrackerSettings(confirm_frames=1, quiet_seconds=2.0))
    assert t.feed(0.0, MOVE).change.kind == "started"  # type: ignore[union-attr]
    t.feed(0.5, BIG)
    assert t.feed(2.4, STILL).change is None
    change = t.feed(2.5, STILL).change
    assert change is not None and change.kind == "ended"
    e = change.event
    assert (e.start, e.end, e.peak_score, e.peak_time, e.cause) == (0.0, 0.5, 9.0, 0.5, "quiet")
    assert e.region == Box(0.1, 0.1, 0.1, 0.1).union(Box(0.5, 0.5, 0.2, 0.2))
    assert t.active is None


def test_calibrating_frames_are_no_motion() -> None:
    t = EventTracker(TrackerSettings(confirm_frames=2))
    t.feed(0.0, Detection(MOVE.boxes, 70.0, calibrating=True))
    assert t.feed(0.2, Detection(MOVE.boxes, 70.0, calibrating=True)).change is None
    assert t.active is None


def test_updates_at_most_once_per_interval_and_only_after_motion() -> None:
    t = EventTracker(TrackerSettings(confirm_frames=1, quiet_seconds=60.0))
    t.feed(0.0, MOVE)
    kinds = [(i / 10, s.change.kind) for i in range(1, 40)
             if (s := t.feed(i / 10, MOVE)).change]  # fmt: skip
    assert kinds == [(1.0, "updated"), (2.0, "updated"), (3.0, "updated")]
    assert all(t.feed(4 + i, STILL).change is None for i in range(5))  # nothing new: silent


def test_close_ends_a_running_event_with_its_cause() -> None:
    t = EventTracker(TrackerSettings(confirm_frames=1))
    assert t.close(0.0, "stopping") is None
    t.feed(1.0, MOVE)
    change = t.close(1.5, "stream lost")
    assert change is not None and change.kind == "ended"
    assert change.event.cause == "stream lost" and change.event.end == 1.0
