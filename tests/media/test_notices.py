"""A manual recording's notifications (pure): the duration is the recorded media's, a pause
is ERROR with its cause, a resume STARTED again, the end carries both times and the gaps."""

from __future__ import annotations

import pytest

from camera_service.media.notices import recording_notification
from camera_service.models_recordings import Recording, RecordingGap, RecordingStatus

pytestmark = pytest.mark.unit

GAP = RecordingGap(1000.0, 1060.2, "stream lost: the camera stream ended", 10.0)


def test_stopped_says_the_recorded_seconds_not_the_wall_time() -> None:
    rec = Recording("camera0", "c.mp4", "fmp4", 990.0, RecordingStatus.STOPPED, 1072.0,
                    duration=21.9, file_size=5, wall_duration=82.0, gaps=(GAP,))  # fmt: skip
    n = recording_notification(rec, "STOPPED")
    assert (n.method, n.topic) == ("recording_status_update", "recording.stop")
    assert n.params["duration"] == 22 and n.params["recorded_duration"] == 21.9
    assert n.params["wall_duration"] == 82.0
    assert n.params["gaps"] == [{"start": 1000.0, "end": 1060.2, "length": 60.2,
                                 "cause": "stream lost: the camera stream ended", "at": 10.0}]  # fmt: skip


def test_a_pause_is_an_error_with_its_cause_and_a_resume_starts_again() -> None:
    rec = Recording("camera0", "c.mp4", "fmp4", 990.0, duration=10.0, paused="stream lost: x")
    pause = recording_notification(rec, "ERROR", "paused")
    assert pause.params["status"] == "ERROR" and pause.topic == "recording.error"
    assert (pause.params["phase"], pause.params["reason"]) == ("paused", "stream lost: x")
    assert pause.params["duration"] == 10 and "file_size" not in pause.params
    resumed = recording_notification(Recording("camera0", "c.mp4", "fmp4", 990.0, duration=10.0,
                                               gaps=(GAP,)), "STARTED", "resumed")  # fmt: skip
    assert resumed.params["status"] == "STARTED" and resumed.params["phase"] == "resumed"
    assert resumed.topic == "recording.start" and len(resumed.params["gaps"]) == 1  # type: ignore[arg-type]


def test_the_first_start_has_only_the_compat_fields_and_the_format() -> None:
    n = recording_notification(Recording("camera0", "c.mp4", "mkv", 990.0), "STARTED")
    assert n.params == {"device": "camera0", "status": "STARTED", "filename": "c.mp4",
                        "duration": 0, "format": "mkv"}  # fmt: skip
