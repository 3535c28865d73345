"""How a manual or timed recording goes on through its source's faults. Pure: no I/O, no
clock of its own (``resumable.ResumableRecording`` feeds it what happened).

A recording is written in *pieces*: one ffmpeg run each. A piece ends for one of three
reasons: the user (or the service) asked it to, the asked duration is recorded, or the
source failed under it (MediaMTX killed or restarted, a network camera gone, a stalled
stream). After a failure the recording *pauses* with that cause and starts a new piece
once the source answers again; after a switch of source (MediaMTX back while the piece
reads the camera directly) the next piece starts at once.

Duration semantics: a timed recording counts **recorded time** (the media's own duration,
read from what was written, never the wall clock): asking for 60 s gives 60 s of video
(within one GOP: a copy starts at a key frame), however long the outages in between. The
wall time (first byte to the end) is reported beside it, and every break is a ``Gap`` with
its cause and length.
"""

from __future__ import annotations

import enum
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass

from ..models_recordings import RecordingGap
from .filenames import split_ext
from .timeline import Gap

FIRST_RETRY = 0.25  # seconds between attempts to resume: doubling up to MAX_RETRY
MAX_RETRY = 2.0
SWITCHED = "source switched"


@dataclass(frozen=True)
class Piece:
    """One ffmpeg run's file(s): ``start`` is the wall time of its first frame, ``recorded``
    the media duration of what it wrote, ``cause`` why it ended ("" on request/duration)."""

    files: tuple[str, ...]
    start: float
    recorded: float
    cause: str = ""

    @property
    def end(self) -> float:
        return self.start + self.recorded


class Next(str, enum.Enum):
    FINISH = "finish"  # the recording is over: join, report
    PAUSE = "pause"  # wait for the source, then a new piece
    SWITCH = "switch"  # a new piece at once, from the other source


def piece_start(first_frame: float, exited: float | None, recorded: float) -> float:
    """When a piece's first frame was, in wall time: the estimate from its first bytes on
    disk, unless that puts its end after ffmpeg's exit (nothing is recorded after it)."""
    return first_frame if exited is None else min(first_frame, exited - recorded)


def recorded(pieces: Sequence[Piece]) -> float:
    return sum(p.recorded for p in pieces)


def remaining(asked: float | None, pieces: Sequence[Piece]) -> float | None:
    """Recorded seconds still to write (``None``: until stopped)."""
    if asked is None:
        return None
    return max(0.0, asked - recorded(pieces))


def duration_reached(asked: float | None, pieces: Sequence[Piece], frame: float) -> bool:
    """Has a timed recording its length, within one frame interval?"""
    left = remaining(asked, pieces)
    return left is not None and left <= frame + 1e-6


def after_piece(*, stop_requested: bool, switching: bool, reached: bool) -> Next:
    """What follows a piece's end. A stop request wins; a piece that wrote the asked length
    finishes; a switch of source goes on at once; anything else is a fault: pause."""
    if stop_requested or reached:
        return Next.FINISH
    return Next.SWITCH if switching else Next.PAUSE


def retry_delay(attempt: int) -> float:
    """Seconds before resume attempt ``attempt`` (1, 2, ...): 0.25, 0.5, 1, 2, 2, ..."""
    return min(MAX_RETRY, FIRST_RETRY * 2 ** max(0, attempt - 1))


def should_attempt(reachable: bool, failures: int, since_failure: float) -> bool:
    """Start an ffmpeg for the next piece now? The source's address is checked every
    ``FIRST_RETRY`` (a TCP connect, cheap): only once it accepts, and only after the
    back-off of the attempts that failed (``retry_delay``), is ffmpeg tried."""
    return reachable and (failures == 0 or since_failure >= retry_delay(failures + 1))


def gaps(pieces: Sequence[Piece]) -> list[Gap]:
    """The breaks between consecutive pieces, each with the cause that ended the one before
    (a negative length, from the first-frame estimate, counts as none)."""
    out = []
    for a, b in itertools.pairwise(pieces):
        out.append(Gap(a.end, max(a.end, b.start), a.cause or SWITCHED))
    return out


def part_name(filename: str, n: int) -> str:
    """The file of piece ``n`` (1, 2, ...) of a one-file recording, until it is joined:
    ``camera0_..._12-00-00.mp4`` -> ``camera0_..._12-00-00.part1.mp4``."""
    stem, ext = split_ext(filename)
    return f"{stem}.part{n}{ext}"


def pause_reason(cause: str) -> str:
    return f"paused: {cause}" if cause else "paused"


def recording_gaps(pieces: Sequence[Piece]) -> tuple[RecordingGap, ...]:
    """The gaps as a ``Recording`` carries them, each with ``at``: where it falls in the
    recorded media (seconds from its start)."""
    out = []
    played = 0.0
    for piece, gap in zip(pieces, gaps(pieces), strict=False):
        played += piece.recorded
        out.append(RecordingGap(gap.start, gap.end, gap.cause, played))
    return tuple(out)


def gap_object(gap: RecordingGap) -> dict[str, object]:
    """One gap as the API shows it (results, notifications, the joined file's comment)."""
    return {"start": round(gap.start, 3), "end": round(gap.end, 3),
            "length": round(gap.end - gap.start, 3), "cause": gap.cause, "at": round(gap.at, 3)}  # fmt: skip


def from_comment(text: str) -> tuple[float | None, tuple[RecordingGap, ...]]:
    """The wall duration and gaps ``joining.gaps_comment`` wrote into a joined file's
    ``comment`` tag; ``(None, ())`` for any other comment (a file from elsewhere)."""
    try:
        data = json.loads(text) if text.startswith("{") else None
        if not isinstance(data, dict) or not isinstance(data.get("gaps"), list):
            return None, ()
        gaps = tuple(RecordingGap(float(g["start"]), float(g["end"]), str(g["cause"]), float(g["at"]))
                     for g in data["gaps"])  # fmt: skip
        return float(data["wall"]), gaps
    except (ValueError, TypeError, KeyError):
        return None, ()
