"""How a continuous run's stream clock is tied to the wall clock (media/segmenter.py): pure
functions on ffmpeg's progress reports and a run's first packet times (media/stream_clock.py)."""

from __future__ import annotations

import pytest

from camera_service.media.stream_clock import first_frame_lead, listed_lead, stream_origin

pytestmark = pytest.mark.unit

F = 1 / 15


def test_the_origin_is_the_earliest_wall_less_muxed_time() -> None:
    # a report read late (the loop was busy) only makes wall - muxed later
    assert stream_origin([(100.9, 0.8), (101.2, 1.0), (101.05, 0.94)]) == pytest.approx(100.1)
    assert stream_origin([(100.0, 0.0)]) is None  # nothing muxed yet


def test_a_steady_run_starts_at_its_first_packet() -> None:
    assert first_frame_lead([i * F for i in range(8)]) == 0.0
    assert first_frame_lead([0.0, F]) == 0.0  # too few packets to tell


def test_packets_stamped_before_the_first_rtcp_report_are_placed_by_the_steady_ones() -> None:
    # seen on the recipe camera: two packets at about 0, then the steady clock with a jump
    jump = [0.0, 0.000011, 0.8, 0.8 + F, 0.8 + 2 * F, 0.8 + 3 * F, 0.8 + 4 * F, 0.8 + 5 * F]
    assert first_frame_lead(jump) == pytest.approx(0.8 - 2 * F)
    # and without one: the first frame was a frame before the file says
    close = [0.0, 0.000065, F, 2 * F, 3 * F, 4 * F, 5 * F, 6 * F]
    assert first_frame_lead(close) == pytest.approx(-F, abs=1e-3)


def test_a_first_segment_listed_from_before_its_first_key_frame_starts_where_its_file_does() -> None:
    # measured through MediaMTX (a reader joining between key frames): listed 0 to 2.4587,
    # the fragmented MP4 holds 1.9967 s from its first packet at 0
    assert listed_lead(0.0, 2.4587, 1.9967, 0.0) == pytest.approx(0.462)
    # plain MP4 keeps the offset in the file: its first packet at 0.601 of a 2.622 s file
    assert listed_lead(0.0, 2.6215, 2.622, 0.601) == pytest.approx(0.6005)
    # and so does Matroska: first packet at 0.466 of a 2.464 s file listed 0 to 2.464
    assert listed_lead(0.0, 2.464, 2.464, 0.466) == pytest.approx(0.466)


def test_a_file_that_holds_its_whole_listed_segment_has_no_listed_lead() -> None:
    assert listed_lead(4.0, 6.0, 2.0, 0.0) == 0.0
    assert listed_lead(0.0, 2.0, 2.004, 0.0) == 0.0  # a last frame's length: never negative
    assert listed_lead(0.0, 2.0, None, 0.0) == 0.0  # the length unknown
