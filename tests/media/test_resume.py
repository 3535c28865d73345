"""How a recording goes on through faults (pure): what follows a piece, the recorded time
still missing, the back-off between resume attempts, the gaps with their causes."""

from __future__ import annotations

import pytest

from camera_service.ffconcat import files_script
from camera_service.media.joining import gaps_comment
from camera_service.media.resume import (
    SWITCHED,
    Next,
    Piece,
    after_piece,
    duration_reached,
    from_comment,
    gap_object,
    gaps,
    part_name,
    piece_start,
    recorded,
    recording_gaps,
    remaining,
    retry_delay,
    should_attempt,
)

pytestmark = pytest.mark.unit

FRAME = 1 / 15


def test_a_stop_request_finishes_whatever_else_happened() -> None:
    for switching in (False, True):
        for reached in (False, True):
            assert after_piece(stop_requested=True, switching=switching, reached=reached) is Next.FINISH


def test_a_piece_lost_under_the_recording_pauses_it() -> None:
    assert after_piece(stop_requested=False, switching=False, reached=False) is Next.PAUSE


def test_a_switch_of_source_goes_on_at_once_unless_the_length_is_reached() -> None:
    assert after_piece(stop_requested=False, switching=True, reached=False) is Next.SWITCH
    assert after_piece(stop_requested=False, switching=True, reached=True) is Next.FINISH


def test_duration_counts_recorded_time_not_the_outage() -> None:
    pieces = [Piece(("a",), 100.0, 2.4, "stream lost"), Piece(("b",), 110.0, 1.6)]
    assert recorded(pieces) == pytest.approx(4.0)
    assert remaining(6.0, pieces) == pytest.approx(2.0)  # the 7.6 s outage does not count
    assert remaining(None, pieces) is None
    assert remaining(3.0, pieces) == 0.0
    assert not duration_reached(6.0, pieces, FRAME)
    assert duration_reached(4.0 + FRAME / 2, pieces, FRAME)
    assert not duration_reached(None, pieces, FRAME)


def test_resume_attempts_back_off_to_two_seconds() -> None:
    assert [retry_delay(n) for n in range(1, 7)] == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]


def test_each_gap_has_the_cause_that_ended_the_piece_before_it() -> None:
    pieces = [Piece(("a",), 100.0, 2.0, "stream lost: the camera stream ended"),
              Piece(("b",), 105.5, 3.0, ""), Piece(("c",), 108.7, 1.0)]  # fmt: skip
    found = gaps(pieces)
    assert [(g.start, g.end, g.cause) for g in found] == [
        (102.0, 105.5, "stream lost: the camera stream ended"),
        (108.5, 108.7, SWITCHED),
    ]
    rec = recording_gaps(pieces)
    assert [g.at for g in rec] == [2.0, 5.0]  # where each falls in the recorded media
    assert gap_object(rec[0]) == {"start": 102.0, "end": 105.5, "length": 3.5,
                                  "cause": "stream lost: the camera stream ended", "at": 2.0}  # fmt: skip


def test_an_overlap_from_the_first_frame_estimate_is_no_negative_gap() -> None:
    (gap,) = gaps([Piece(("a",), 100.0, 2.0, "x"), Piece(("b",), 101.9, 1.0)])
    assert gap.end - gap.start == 0.0


def test_later_pieces_are_named_after_the_recording() -> None:
    assert part_name("camera0_2026-01-01_12-00-00.mp4", 1) == "camera0_2026-01-01_12-00-00.part1.mp4"
    assert part_name("x.mkv", 12) == "x.part12.mkv"


def test_the_join_script_quotes_names_and_refuses_line_breaks() -> None:
    text = files_script(["/r/a.mp4", "/r/it's.mp4"])
    assert text == "ffconcat version 1.0\nfile '/r/a.mp4'\nfile '/r/it'\\''s.mp4'\n"
    with pytest.raises(ValueError, match="line break"):
        files_script(["/r/a\nfile /etc/passwd"])


def test_a_piece_ends_at_its_exit_at_the_latest() -> None:
    assert piece_start(100.0, 103.0, 2.5) == 100.0  # the estimate fits
    assert piece_start(100.0, 101.5, 2.5) == 99.0  # it would end after the exit
    assert piece_start(100.0, None, 2.5) == 100.0


def test_the_joined_files_comment_gives_its_gaps_back_and_others_give_nothing() -> None:
    pieces = [Piece(("a",), 100.0, 2.0, "stream lost"), Piece(("b",), 105.0, 3.0)]
    gaps = recording_gaps(pieces)
    text = gaps_comment([gap_object(g) for g in gaps], 5.0, 8.0)
    assert from_comment(text) == (8.0, gaps)
    for other in ("", "made with a phone", "{}", '{"gaps": 3}', '{"gaps": [{"start": 1}]}', "{"):
        assert from_comment(other) == (None, ())


def test_ffmpeg_is_tried_once_the_source_answers_and_after_the_back_off() -> None:
    assert should_attempt(True, 0, 0.0)  # it answers again: at once
    assert not should_attempt(False, 0, 99.0)  # still refusing: no ffmpeg at all
    assert not should_attempt(True, 1, 0.3)  # one attempt failed: 0.5 s before the next
    assert should_attempt(True, 1, 0.5)
    assert not should_attempt(True, 5, 1.9) and should_attempt(True, 5, 2.0)
