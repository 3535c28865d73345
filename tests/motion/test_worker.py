"""When a detection run stops, and why (``motion.worker.interruption``, pure)."""

from __future__ import annotations

import pytest

from camera_service.motion.worker import CHANGED, TURNED_OFF, interruption

pytestmark = pytest.mark.unit

URL = "rtsp://127.0.0.1:8554/camera0"


def test_the_run_goes_on_while_nothing_changed() -> None:
    assert interruption(True, URL, URL, offs=3, run_offs=3) is None


def test_detection_off_stops_it() -> None:
    assert interruption(False, URL, URL, offs=0, run_offs=0) == TURNED_OFF


def test_off_and_on_again_since_the_run_began_stops_it() -> None:
    """Back on before the next frame: the settings look as they were, but it was turned off."""
    assert interruption(True, URL, URL, offs=1, run_offs=0) == TURNED_OFF


def test_a_camera_away_or_read_elsewhere_stops_it() -> None:
    assert interruption(True, None, URL, offs=0, run_offs=0) == CHANGED
    assert interruption(True, URL + "?other", URL, offs=0, run_offs=0) == CHANGED
