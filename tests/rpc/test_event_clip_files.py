"""An event's clip lists only the segments that hold some of it, not every segment of the
continuous recording it falls in (``rpc.handlers_motion.files_between``). Pure."""

from __future__ import annotations

import calendar
import time

import pytest

from camera_service.rpc.handlers_motion import files_between

pytestmark = pytest.mark.unit


def name(second: int) -> str:
    return time.strftime("camera0_%Y-%m-%d_%H-%M-%S.mp4", time.gmtime(T0 + second))


T0 = calendar.timegm((2026, 12, 7, 18, 0, 0, 0, 0, 0))
SEGMENTS = [name(s) for s in range(0, 40, 2)]  # 2 s segments for 40 s, one range


def test_only_the_segments_around_the_event() -> None:
    # the clip [21.5, 26.2]: segments 20-22 (its first 0.5 s), 22, 24 and 26
    assert files_between(SEGMENTS, T0 + 21.5, T0 + 26.2) == [name(20), name(22), name(24), name(26)]


def test_a_segment_that_may_have_begun_a_second_after_its_name_is_kept() -> None:
    # the one named 22 may have started at 22.9: 20's may still hold 22.5
    assert files_between(SEGMENTS, T0 + 22.5, T0 + 23.0) == [name(20), name(22)]


def test_the_open_last_segment_and_names_without_a_time() -> None:
    assert files_between(SEGMENTS, T0 + 39.0, T0 + 45.0) == [name(38)]
    assert files_between(["mine.mp4", *SEGMENTS[:2]], T0 + 3, T0 + 4) == ["mine.mp4", name(2)]
    assert files_between(SEGMENTS, T0 + 100, T0 + 110) == [name(38)]  # the last one runs on
