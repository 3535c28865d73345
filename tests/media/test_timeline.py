"""Timelines (pure): contiguous segments are one range, gaps carry the cause recorded when
recording stopped, an idle camera shows no gap."""

from __future__ import annotations

import pytest

from camera_service.media.timeline import NOT_RUNNING, Segment, Transition, build, merge

pytestmark = pytest.mark.unit


def seg(name: str, start: float, end: float, open: bool = False) -> Segment:
    return Segment(name, start, end, open)


def test_contiguous_segments_are_one_range_with_their_files() -> None:
    ranges = merge([seg("b", 102, 104), seg("a", 100, 102), seg("c", 104.01, 106)])
    assert len(ranges) == 1 and ranges[0].files == ("a", "b", "c")
    assert (ranges[0].start, ranges[0].end) == (100, 106)


def test_an_outage_is_one_gap_with_the_reason_of_the_failure() -> None:
    segments = [seg("a", 100, 102), seg("b", 102, 103), seg("c", 106, 108, open=True)]
    transitions = [Transition(95, "recording"), Transition(103, "retrying", "stream lost: EOF"),
                   Transition(106, "recording")]  # fmt: skip
    t = build(segments, transitions, 100, 108)
    assert [(g.start, g.end, g.cause) for g in t.gaps] == [(103, 106, "stream lost: EOF")]
    assert t.covered == pytest.approx(5)


def test_a_gap_without_a_recorded_cause_is_the_service_not_running() -> None:
    t = build([seg("a", 0, 10), seg("b", 20, 30)], [Transition(0, "recording")], 0, 30)
    assert t.gaps[0].cause == NOT_RUNNING


def test_a_camera_switched_off_after_its_last_segment_shows_no_trailing_gap() -> None:
    t = build([seg("a", 0, 10)], [Transition(0, "recording"), Transition(10, "idle", "mode off")], 0, 50)
    assert t.gaps == []
    t = build([seg("a", 0, 10)], [Transition(0, "recording"), Transition(10, "paused_disk", "disk")], 0, 50)
    assert [(g.start, g.end, g.cause) for g in t.gaps] == [(10, 50, "disk")]


def test_ranges_are_clipped_to_the_asked_period() -> None:
    t = build([seg("a", 0, 10), seg("b", 10, 20)], [], 5, 15)
    assert [(r.start, r.end) for r in t.ranges] == [(5, 15)]


def test_a_range_cut_by_the_asked_period_lists_only_its_files_in_it() -> None:
    segments = [seg("a", 0, 10), seg("b", 10, 20), seg("c", 20, 30), seg("d", 30, 40, open=True)]
    assert build(segments, [], 12, 25).ranges[0].files == ("b", "c")
    assert build(segments, [], 0, 10).ranges[0].files == ("a",)  # "b" starts where it ends
    assert build(segments, [], 35, 50).ranges[0].files == ("d",)
    assert build(segments, [], 0, 40).ranges[0].files == ("a", "b", "c", "d")


def test_a_stop_between_two_runs_is_a_gap_even_where_their_estimates_touch() -> None:
    """A run's first frame is an estimate: the next run may seem to start before the last
    one ended; the journal's phase change between them still makes it a gap, with its cause."""
    segs = [seg("a", 100, 102), seg("b", 101.9, 104)]  # the second estimated 0.1 s early
    stopped = [Transition(102, "retrying", "stream lost: x"), Transition(102.5, "recording")]
    timeline = build(segs, stopped, 100, 104)
    assert len(timeline.ranges) == 2
    (gap,) = timeline.gaps
    assert (gap.start, gap.end, gap.cause) == (102, 102, "stream lost: x")
    assert len(build(segs, [], 100, 104).ranges) == 1  # without a stop: one run, contiguous
