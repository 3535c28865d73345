"""The plan of a camera's motion buffer (recording mode ``motion``). Pure: no I/O, no clock.

In mode ``motion`` a camera's one ffmpeg writes short pieces (``PIECE_SECONDS``, cut on key
frames) into the state folder all the time. ``prune`` says which pieces go: those older
than the pre-capture needs (``Capture.keep_seconds``), and then the oldest while the
buffer is over its size (``cameras.recording.buffer_mb``), never one a clip still needs.

A ``Clip`` is the recording an event asks for: from ``start - pre_capture - LEAD`` (the
lead covers the detector's delay and the estimate of a piece's time) to ``end +
post_capture``, open-ended while the event runs. An event that starts before the clip of
the last one is complete joins it (one recording for motion that comes back). ``due`` says
which clips can be made now, and from which pieces: a clip is complete once a closed piece
reaches its end; a long one is cut every ``max_seconds`` (the mode's ``segment_seconds``);
when the buffer's run ends, whatever a clip has is made at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

PIECE_SECONDS = 1  # a piece is cut at the first key frame after a second
LEAD = 1.0  # seconds taken before start - pre_capture
MARGIN = 2.0  # seconds kept beyond what the pre-capture needs


@dataclass(frozen=True)
class Piece:
    name: str
    start: float  # wall time
    end: float
    size: int = 0


@dataclass(frozen=True)
class Capture:
    """What the buffer needs of a camera's motion settings."""

    enabled: bool = False
    pre: float = 5.0
    post: float = 5.0
    confirm_seconds: float = 0.4  # from the first frame of motion to the event's start notice

    @property
    def keep_seconds(self) -> float:
        return self.pre + LEAD + self.confirm_seconds + MARGIN


@dataclass(frozen=True)
class Clip:
    start: float  # wanted from
    until: float | None  # wanted to; None while an event runs
    events: tuple[str, ...]
    made_to: float = float("-inf")  # a cut of a long clip made the pieces up to here

    def needs(self, piece: Piece) -> bool:
        if piece.end <= max(self.start, self.made_to):
            return False
        return self.until is None or piece.start < self.until


@dataclass(frozen=True)
class Made:
    """A recording to make from ``pieces`` (in order), for ``events``."""

    pieces: tuple[Piece, ...]
    events: tuple[str, ...]

    @property
    def start(self) -> float:
        return self.pieces[0].start

    @property
    def end(self) -> float:
        return self.pieces[-1].end


def started(clips: Sequence[Clip], event_id: str, start: float, capture: Capture) -> list[Clip]:
    """The clips once event ``event_id`` started at ``start``."""
    out = list(clips)
    want = start - capture.pre - LEAD
    for i, clip in enumerate(out):
        if event_id in clip.events:
            return out
        if clip.until is None or want <= clip.until:  # still being made: the same recording
            out[i] = replace(clip, until=None, events=(*clip.events, event_id))
            return out
    return [*out, Clip(want, None, (event_id,))]


def ended(clips: Sequence[Clip], event_id: str, end: float, capture: Capture) -> list[Clip]:
    """The clips once event ``event_id`` ended at ``end``."""
    return [
        replace(c, until=end + capture.post) if event_id in c.events and c.until is None else c
        for c in clips
    ]


def due(
    clips: Sequence[Clip], pieces: Sequence[Piece], running: bool, max_seconds: float
) -> tuple[list[Clip], list[Made]]:
    """The clips still waiting, and the recordings to make now (``pieces``: the closed ones,
    oldest first; ``running``: is the buffer's run still writing?)."""
    waiting: list[Clip] = []
    made: list[Made] = []
    for clip in clips:
        mine = tuple(p for p in pieces if clip.needs(p))
        complete = clip.until is not None and any(p.end >= clip.until for p in pieces)
        if complete or (not running and clip.until is not None):
            if mine:
                made.append(Made(mine, clip.events))
            continue  # done (or nothing of it was recorded)
        if mine and (not running or mine[-1].end - mine[0].start >= max_seconds):
            made.append(Made(mine, clip.events))  # a cut: the event goes on
            clip = replace(clip, made_to=mine[-1].end)
        waiting.append(clip)
    return waiting, made


def prune(
    pieces: Sequence[Piece], clips: Sequence[Clip], now: float, capture: Capture, max_bytes: int
) -> list[Piece]:
    """The pieces to delete: too old for the pre-capture, then the oldest while the rest is
    over ``max_bytes``; never one a clip needs."""
    free = [p for p in pieces if not any(c.needs(p) for c in clips)]
    gone = [p for p in free if p.end < now - capture.keep_seconds]
    total = sum(p.size for p in pieces if p not in gone)
    for p in free:
        if total <= max_bytes:
            break
        if p not in gone:
            gone.append(p)
            total -= p.size
    return gone


def held_seconds(pieces: Sequence[Piece]) -> float:
    return sum(p.end - p.start for p in pieces)
