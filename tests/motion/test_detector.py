"""The motion detector and the event tracker on synthetic frame sequences (pure)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import numpy as np
import pytest

from camera_service.motion.detector import (
    Box,
    Detection,
    DetectorSettings,
    MotionDetector,
)
from camera_service.motion.tracker import Change, EventTracker, TrackerSettings

from .scenes import FPS, Frame, H, W, crossing, frames

pytestmark = pytest.mark.unit


def run(
    seq: Iterable[Frame],
    settings: DetectorSettings | None = None,
    tracker: TrackerSettings | None = None,
) -> tuple[list[Detection], list[tuple[int, Change]]]:
    det, trk = MotionDetector(settings), EventTracker(tracker)
    detections: list[Detection] = []
    changes: list[tuple[int, Change]] = []
    last_t = 0.0
    for i, f in enumerate(seq):
        d = det.detect(f)
        detections.append(d)
        last_t = i / FPS
        step = trk.feed(last_t, d)
        if step.change:
            changes.append((i, step.change))
    end = trk.close(last_t + 1 / FPS, "end of test")
    if end:
        changes.append((-1, end))
    return detections, changes


def kinds(changes: list[tuple[int, Change]]) -> list[str]:
    return [c.kind for _, c in changes]


def test_sensor_noise_is_no_motion() -> None:
    detections, changes = run(frames(300, noise=8.0))  # a minute
    assert changes == []
    assert not any(d.motion for d in detections[20:])


def test_a_slow_brightness_ramp_is_no_motion() -> None:
    gain = list(np.linspace(0.45, 1.1, 300))  # 60 s from dusk to bright
    _, changes = run(frames(300, gain=gain))
    assert changes == []


def test_a_box_crossing_starts_at_entry_and_ends_after_quiet_time() -> None:
    path = crossing(enter=50, speed=8)
    exit_frame = max(path)
    _, changes = run(frames(len(path) + 120, box=path), tracker=TrackerSettings(2, 3.0))
    assert kinds(changes)[0] == "started" and kinds(changes)[-1] == "ended"
    assert kinds(changes).count("started") == 1
    start = changes[0][1].event
    ended_at, end = changes[-1][0], changes[-1][1].event
    assert 50 / FPS <= start.start <= 50 / FPS + 0.5
    assert changes[0][0] / FPS <= 50 / FPS + 0.5  # announced within half a second
    assert end.cause == "quiet"
    assert end.end is not None and abs(end.end - exit_frame / FPS) <= 0.5
    assert ended_at / FPS <= exit_frame / FPS + 3.0 + 0.5
    assert end.region is not None and end.region.w > 0.8  # it crossed the whole width
    assert 70 / H - 0.1 <= end.region.y <= 70 / H and end.region.h < 0.5


def test_updates_come_at_most_once_a_second() -> None:
    path = crossing(enter=20, speed=4)  # slow: about 18 s across
    _, changes = run(frames(len(path) + 40, box=path), tracker=TrackerSettings(2, 3.0))
    times = [i / FPS for i, c in changes if c.kind == "updated"]
    assert len(times) > 10
    assert all(b - a >= 1.0 - 1e-9 for a, b in itertools.pairwise(times))


def test_a_light_switched_on_gives_one_event_at_most() -> None:
    gain = [0.4] * 100 + [1.0] * 200
    detections, changes = run(frames(300, gain=gain))
    assert kinds(changes).count("started") <= 1
    assert any(d.calibrating for d in detections[100:105])
    assert not any(d.motion for d in detections[140:])


def test_a_light_switched_on_and_off_repeatedly_is_no_stream_of_events() -> None:
    gain = ([0.4] * 40 + [1.0] * 40) * 3  # six switches, 8 s apart
    _, changes = run(frames(len(gain), gain=gain))
    assert kinds(changes).count("started") <= 1


def test_a_masked_region_never_triggers() -> None:
    path = {i: (20 + (i % 40) * 2, 60) for i in range(30, 200)}  # wanders in the left part
    mask = ((0.0, 0.0), (0.5, 0.0), (0.5, 1.0), (0.0, 1.0))
    detections, changes = run(frames(200, box=path), DetectorSettings(masks=(mask,)))
    assert changes == []
    assert not any(d.motion for d in detections)
    _, unmasked = run(frames(200, box=path))  # the same without the mask is motion
    assert "started" in kinds(unmasked)


def test_min_area_ignores_small_changes() -> None:
    path = {i: (150, 80) for i in range(40, 80) if i % 2}  # a blinking 8x8 spot
    det = DetectorSettings(min_area=0.5)
    detections, _ = run(frames(100, box=path, box_size=8), det)
    assert not any(d.motion for d in detections)


def test_frames_of_another_size_are_scaled_to_the_fixed_height() -> None:
    det = MotionDetector()
    big = np.kron(next(frames(1)), np.ones((2, 2), dtype=np.uint8))  # 640x360
    assert det.detect(big).calibrating
    with pytest.raises(ValueError, match="grayscale"):
        det.detect(np.zeros((H, W, 3), dtype=np.uint8))


def test_a_fully_masked_picture_detects_nothing() -> None:
    everything = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))
    det = MotionDetector(DetectorSettings(masks=(everything,)))
    for f in frames(20, box=crossing(2, 30)):
        assert det.detect(f) == Detection()


def test_box_union() -> None:
    a, b = Box(0.1, 0.1, 0.2, 0.2), Box(0.5, 0.0, 0.1, 0.1)
    u = a.union(b)
    assert (u.x, u.y) == (0.1, 0.0)
    assert u.w == pytest.approx(0.5) and u.h == pytest.approx(0.3)
    assert u.as_dict() == {"x": 0.1, "y": 0.0, "w": 0.5, "h": 0.3}
