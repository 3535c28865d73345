"""A camera's recorded time: covered ranges and the gaps between them, each gap with its
cause. Pure: the recorder's journal (segments with wall-clock start/end, and the phase
changes with their reasons) goes in, plain values come out.

Segments of one ffmpeg run are contiguous by construction (ffmpeg's segment list gives each
one's start and end on the stream's own clock), so consecutive segments closer than
``tolerance`` (one frame interval of the camera: ``frame_tolerance``) are one range; any
longer break between runs is a gap. A gap's cause is the reason of the first phase change that is
not "recording" at or after the gap's start (within ``tolerance``), else of the last one
before it; with none, ``service not running``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field

NOT_RUNNING = "service not running"
TOLERANCE = 0.25  # seconds: one frame at 4 fps, for a camera whose rate is not known


def frame_tolerance(fps: float | None) -> float:
    """Breaks longer than one frame interval are gaps: the tolerance for a camera at ``fps``
    (a little over one interval: segment times are rounded to the millisecond)."""
    return 1.0 / fps + 0.002 if fps and fps > 0 else TOLERANCE


@dataclass(frozen=True)
class Segment:
    name: str
    start: float  # wall time
    end: float
    open: bool = False


@dataclass(frozen=True)
class Transition:
    at: float  # wall time
    phase: str
    reason: str = ""


@dataclass(frozen=True)
class Range:
    start: float
    end: float
    files: tuple[str, ...] = ()
    open: bool = False


@dataclass(frozen=True)
class Gap:
    start: float
    end: float
    cause: str


@dataclass(frozen=True)
class Timeline:
    ranges: list[Range] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)

    @property
    def covered(self) -> float:
        return sum(r.end - r.start for r in self.ranges)


def merge(
    segments: Iterable[Segment], tolerance: float = TOLERANCE, transitions: Iterable[Transition] = ()
) -> list[Range]:
    """Consecutive segments closer than ``tolerance`` are one range, unless the recording
    stopped in between (a phase change other than "recording" after the first ended and
    before the second did): a run's wall times are estimates (its first frame is inferred
    from its first bytes on disk), so two runs may seem to touch, or even overlap, when
    there was a break between them; the journal says there was one."""
    stops = sorted(t.at for t in transitions if t.phase != "recording")
    ranges: list[Range] = []
    for s in sorted(segments, key=lambda s: (s.start, s.name)):
        last_end = ranges[-1].end if ranges else 0.0
        broke = any(last_end - tolerance <= at < s.end for at in stops)
        if ranges and s.start <= last_end + tolerance and not broke:
            last = ranges[-1]
            ranges[-1] = Range(last.start, max(last.end, s.end), (*last.files, s.name), s.open)
        else:
            ranges.append(Range(s.start, s.end, (s.name,), s.open))
    return ranges


def cause_of(start: float, transitions: list[Transition], tolerance: float = TOLERANCE) -> str:
    ordered = sorted(transitions, key=lambda t: t.at)
    for t in ordered:
        if t.at >= start - tolerance and t.phase != "recording":
            return t.reason or t.phase
    before = [t for t in ordered if t.at < start and t.phase != "recording"]
    return (before[-1].reason or before[-1].phase) if before else NOT_RUNNING


def build(
    segments: Iterable[Segment],
    transitions: Iterable[Transition],
    frm: float,
    to: float,
    tolerance: float = TOLERANCE,
) -> Timeline:
    """The ranges and gaps within ``[frm, to]`` (ranges clipped to it, each listing only
    its files that overlap it). A gap before the first range or after the last one is
    reported only while recording was wanted then (a phase other than idle), so a camera
    that was simply off shows no gap."""
    trans = sorted(transitions, key=lambda t: t.at)
    segs = list(segments)
    inside = {s.name for s in segs if s.end > frm and s.start < to}
    ranges = [
        Range(max(r.start, frm), min(r.end, to), tuple(f for f in r.files if f in inside), r.open)
        for r in merge(segs, tolerance, trans)
        if r.end > frm and r.start < to
    ]
    gaps: list[Gap] = []
    for a, b in itertools.pairwise(ranges):
        gaps.append(Gap(a.end, max(a.end, b.start), cause_of(a.end, trans, tolerance)))
    if ranges and not ranges[-1].open and to - ranges[-1].end > tolerance:
        cause = cause_of(ranges[-1].end, trans, tolerance)
        if _wanted_after(ranges[-1].end, trans):
            gaps.append(Gap(ranges[-1].end, to, cause))
    return Timeline(ranges, gaps)


def _wanted_after(at: float, transitions: list[Transition]) -> bool:
    """Was recording still wanted after ``at`` (the last change since is not "idle")?"""
    after = [t for t in transitions if t.at >= at - TOLERANCE]
    return bool(after) and after[-1].phase != "idle"
