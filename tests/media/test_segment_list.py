"""A continuous run's segment list and where its segments lie on the wall clock
(media/segment_list.py): pure, no ffmpeg."""

from __future__ import annotations

from pathlib import Path

import pytest

from camera_service.media.segment_list import (
    Placement,
    name_regex,
    parse_list,
    progress_out_time,
    segment_args,
)
from camera_service.media.timeline import Segment
from camera_service.models import LAVFI_PREFIX

pytestmark = pytest.mark.unit


def _times(segment: Segment) -> tuple[float, float]:
    assert not segment.open
    return segment.start, segment.end


def test_the_list_is_read_row_by_row_and_a_torn_last_line_is_skipped() -> None:
    text = "camera0_a.mp4,0.000000,10.010000\nweird,name.mp4,10.01,20.02\ncamera0_c.mp4,20.0"
    assert parse_list(text) == [("camera0_a.mp4", 0.0, 10.01), ("weird,name.mp4", 10.01, 20.02)]


def test_file_names_of_a_run_match_camera_time_and_extension_only() -> None:
    regex = name_regex("camera0", "mkv")
    assert regex.match("camera0_2026-12-07_21-40-00.mkv")
    assert not regex.match("camera0_2026-12-07_21-40-00.mp4")
    assert not regex.match("camera01_2026-12-07_21-40-00.mkv")


def test_progress_lines_give_the_muxed_time_only_for_out_time_us() -> None:
    assert progress_out_time(b"out_time_us=2500000\n") == 2.5
    assert progress_out_time(b"out_time_us=-1\n") == -1e-6
    assert progress_out_time(b"out_time_us=N/A\n") is None
    assert progress_out_time(b"out_time_ms=2500000\n") is None
    assert progress_out_time(b"progress=continue\n") is None


def test_the_test_pattern_is_encoded_with_a_key_frame_at_every_cut(tmp_path: Path) -> None:
    args = segment_args(LAVFI_PREFIX + "testsrc2", tmp_path, "camera0", "fmp4", 10, 5.0,
                        tmp_path / ".list.csv")  # fmt: skip
    assert "expr:gte(t,n_forced*10)" in args and "copy" not in args
    assert args[-1] == str(tmp_path / "camera0_%Y-%m-%d_%H-%M-%S.mp4")
    copy = segment_args("rtsp://127.0.0.1:8554/camera0", tmp_path, "camera0", "mkv", 10, 5.0,
                        tmp_path / ".list.csv")  # fmt: skip
    assert ["-c", "copy"] == copy[copy.index("-c") : copy.index("-c") + 2]
    assert "matroska" in copy and "-segment_format_options" not in copy


def test_the_earliest_report_is_the_streams_origin() -> None:
    placement = Placement(started_wall=1000.0)
    placement.report(1002.0, 1.5)  # read late: 1000.5
    placement.report(1002.2, 1.9)  # 1000.3
    placement.report(1002.4, 0.0)  # nothing muxed yet: says nothing
    assert placement.origin == pytest.approx(1000.3)


def test_segments_are_placed_by_the_origin_known_at_the_first_and_its_lead() -> None:
    placement = Placement(started_wall=1000.0)
    placement.anchor = 1000.6  # the guess from the first bytes on disk
    placement.report(1002.0, 1.5)
    placement.lead = 0.04
    first = placement.place("a", 0.0, 10.0)
    assert (first.name, first.start, first.end) == ("a", pytest.approx(1000.54), pytest.approx(1010.5))
    assert placement.anchor == first.start
    placement.report(1010.0, 9.8)  # a lower origin later does not move the run's clock
    assert _times(placement.place("b", 10.0, 20.0)) == pytest.approx((1010.5, 1020.5))
    assert placement.clock_anchor() == {"anchor": pytest.approx(1000.5), "lead": 0.04}


def test_without_reports_segments_follow_the_anchor_from_the_first_listed_start() -> None:
    placement = Placement(started_wall=1000.0)
    assert placement.place("a", 1.0, 11.0) == Segment("a", 1000.0, 1010.0)  # no anchor: the start
    placement = Placement(started_wall=1000.0)
    placement.anchor = 1000.6
    assert _times(placement.place("a", 1.0, 11.0)) == pytest.approx((1000.6, 1010.6))
    assert _times(placement.place("b", 11.0, 21.0)) == pytest.approx((1010.6, 1020.6))
    assert placement.clock_anchor() == {"anchor": 1000.6, "lead": 0.0}
