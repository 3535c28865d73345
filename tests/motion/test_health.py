"""The detector's health as ``get_status`` shows it: state, reason, frames a second. Pure."""

from __future__ import annotations

import pytest

from camera_service.motion.health import FrameRate, camera_health, detector_state

pytestmark = pytest.mark.unit


def test_states_of_a_worker() -> None:
    assert detector_state("idle") == ("off", "")
    assert detector_state("off") == ("off", "")
    assert detector_state("starting") == ("starting", "")
    assert detector_state("detecting") == ("running", "")
    lost = "stream lost: no frame for 10 s"
    assert detector_state(f"retrying: {lost}") == ("failed", lost)


def test_frame_rate_over_the_last_seconds() -> None:
    rate = FrameRate(window=5.0)
    assert rate.rate(0.0) == 0.0
    for i in range(51):  # 5 a second for 10 s
        rate.add(i * 0.2)
    assert rate.rate(10.0) == 5.0
    assert rate.rate(12.5) == pytest.approx(12 / 4.9, abs=0.01)  # none since 10 s: it falls
    assert rate.rate(20.0) == 0.0  # none in the window


def test_a_failed_detector_reads_no_frames_a_second() -> None:
    assert camera_health("retrying: stream ended", 4.9, 120) == {
        "state": "failed", "reason": "stream ended", "fps": 0.0, "frames": 120}
    assert camera_health("detecting", 5.0, 7)["fps"] == 5.0
