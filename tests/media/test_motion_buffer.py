"""The motion buffer's plan, pure: which pieces make an event's clip, when it is complete, and
which pieces the buffer deletes."""

from __future__ import annotations

import pytest

from camera_service.media.motion_buffer import (
    LEAD,
    Capture,
    Clip,
    Piece,
    due,
    ended,
    held_seconds,
    prune,
    started,
)
from camera_service.media.motion_pending import CameraBuffer, decode, encode

pytestmark = pytest.mark.unit

CAPTURE = Capture(enabled=True, pre=3.0, post=2.0, confirm_seconds=0.4)
KB = 1024


def pieces(first: float, last: float, size: int = 100 * KB) -> list[Piece]:
    """One-second pieces covering [first, last)."""
    return [Piece(f"p{t}", float(t), float(t + 1), size) for t in range(int(first), int(last))]


def test_a_clip_starts_pre_capture_and_the_lead_before_the_event_and_waits_for_post_capture() -> None:
    clips = started([], "e1", 100.2, CAPTURE)
    assert clips == [Clip(100.2 - 3.0 - LEAD, None, ("e1",))]
    buf = pieces(90, 104)
    waiting, made = due(clips, buf, running=True, max_seconds=300)
    assert made == [] and waiting == clips  # the event runs
    clips = ended(waiting, "e1", 104.5, CAPTURE)  # wanted until 106.5
    waiting, made = due(clips, pieces(90, 106), running=True, max_seconds=300)
    assert made == []  # the piece holding 106.5 is not closed yet
    waiting, made = due(clips, pieces(90, 107), running=True, max_seconds=300)
    assert waiting == [] and len(made) == 1
    clip = made[0]
    assert clip.start <= 100.2 - 3.0 and clip.start > 100.2 - 3.0 - LEAD - 1  # at most a piece more
    assert clip.end >= 104.5 + 2.0
    assert [p.name for p in clip.pieces] == [f"p{t}" for t in range(96, 107)]
    assert clip.events == ("e1",)


def test_an_event_that_starts_before_the_last_clip_is_complete_joins_it() -> None:
    clips = ended(started([], "e1", 100.0, CAPTURE), "e1", 102.0, CAPTURE)
    clips = started(clips, "e2", 105.0, CAPTURE)  # wants from 101: before 104, the clip's end
    assert len(clips) == 1 and clips[0].until is None and clips[0].events == ("e1", "e2")
    clips = ended(clips, "e2", 107.0, CAPTURE)
    _, made = due(clips, pieces(90, 110), running=True, max_seconds=300)
    assert len(made) == 1 and made[0].events == ("e1", "e2")
    assert made[0].start == 96.0 and made[0].end == 109.0  # until 107 + 2


def test_a_later_event_gets_a_clip_of_its_own() -> None:
    clips = ended(started([], "e1", 100.0, CAPTURE), "e1", 101.0, CAPTURE)  # until 103
    clips = started(clips, "e2", 120.0, CAPTURE)
    assert [c.events for c in clips] == [("e1",), ("e2",)]
    waiting, made = due(clips, pieces(90, 110), running=True, max_seconds=300)
    assert [m.events for m in made] == [("e1",)] and [c.events for c in waiting] == [("e2",)]


def test_a_long_event_is_cut_every_max_seconds_and_goes_on() -> None:
    clips = started([], "e1", 100.0, CAPTURE)
    waiting, made = due(clips, pieces(90, 110), running=True, max_seconds=10)
    assert len(made) == 1 and made[0].start == 96.0 and made[0].end == 110.0
    waiting, made = due(waiting, pieces(90, 115), running=True, max_seconds=10)
    assert made == []  # five more seconds: not yet
    waiting, made = due(waiting, pieces(90, 121), running=True, max_seconds=10)
    assert len(made) == 1 and made[0].start == 110.0 and made[0].end == 121.0


def test_when_the_run_ends_a_clip_is_made_of_what_it_has() -> None:
    clips = started([], "e1", 100.0, CAPTURE)
    waiting, made = due(clips, pieces(90, 103), running=False, max_seconds=300)
    assert len(made) == 1 and made[0].end == 103.0
    assert len(waiting) == 1  # the event goes on: a new run's pieces are its next part
    closed = ended(waiting, "e1", 104.0, CAPTURE)
    waiting, made = due(closed, [], running=False, max_seconds=300)
    assert waiting == [] and made == []  # nothing more was recorded


def test_prune_keeps_what_pre_capture_needs_and_stays_within_the_size() -> None:
    buf = pieces(80, 100)
    gone = prune(buf, [], now=100.0, capture=CAPTURE, max_bytes=10**9)
    keep = CAPTURE.keep_seconds  # 3 + 1 + 0.4 + 2 = 6.4 s
    assert [p.name for p in gone] == [f"p{t}" for t in range(80, 93)]  # ends before 93.6
    assert held_seconds([p for p in buf if p not in gone]) >= CAPTURE.pre + LEAD
    assert keep == 6.4
    small = prune(buf, [], now=100.0, capture=CAPTURE, max_bytes=3 * 100 * KB)
    assert [p.name for p in buf if p not in small] == ["p97", "p98", "p99"]  # the newest 3


def test_prune_never_deletes_a_piece_a_clip_needs_even_over_the_size() -> None:
    clips = started([], "e1", 90.0, CAPTURE)  # needs everything from 86
    buf = pieces(80, 100)
    gone = prune(buf, clips, now=100.0, capture=CAPTURE, max_bytes=1)
    assert [p.name for p in gone] == [f"p{t}" for t in range(80, 86)]


def test_the_pending_clips_file_reads_back_what_a_restart_needs() -> None:
    clips = started([], "e1", 100.0, CAPTURE)
    buf = CameraBuffer(pieces(90, 103), clips, True, Piece("p103", 103.0, 103.0))
    back = decode(encode(buf))
    assert back.clips == clips and back.open == buf.open and not back.running
    assert [p.name for p in back.pieces] == [f"p{t}" for t in range(96, 103)]  # only what it needs
    for bad in ("", "[]", '{"clips": [{"start": 1}]}'):
        with pytest.raises(ValueError):
            decode(bad)
