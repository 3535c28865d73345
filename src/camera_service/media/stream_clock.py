"""How a continuous run's stream clock is tied to the wall clock (``segmenter``). Pure.

ffmpeg's progress reports (``-progress``) say how far the muxer has got on the stream's
clock (``out_time_us``); read at a wall time, each gives ``wall - muxed``, the wall time
of the stream's time 0, and the earliest is the truest (a copy muxes each frame as it
arrives; a report read late only makes it later). A run's first frames need their own
rule (``first_frame_lead``), and so does a first segment that lists more than its file holds
(``listed_lead``).
"""

from __future__ import annotations

import itertools
import statistics

LEAD_PACKETS = 8  # packets probed at the start of a run (first_frame_lead)


def stream_origin(reports: list[tuple[float, float]]) -> float | None:
    """The wall time of the stream's time 0 from ``(wall time read, muxed up to)`` progress
    reports: the earliest ``wall - muxed`` (a report read late only makes it later)."""
    origins = [wall - muxed for wall, muxed in reports if muxed > 0]
    return min(origins) if origins else None


def first_frame_lead(times: list[float]) -> float:
    """How much later than its file time a run's first frame was (negative: earlier), from
    its first packets' times. A copy of an RTSP stream stamps the packets that came before
    the camera's first RTCP report on a clock of their own (the first two at about 0, then
    the steady clock, after a jump or not); the frames themselves are consecutive, so the
    first is as many frame intervals (the steady one of the last packets) before the first
    packet on the steady clock."""
    if len(times) < LEAD_PACKETS // 2:
        return 0.0
    steps = [b - a for a, b in itertools.pairwise(times)]
    frame = statistics.median(steps[-3:])
    if frame <= 0:
        return 0.0
    odd = [i for i, step in enumerate(steps) if not frame / 2 <= step <= 1.5 * frame]
    if not odd:
        return 0.0
    steady = odd[-1] + 1  # the first packet on the steady clock
    return times[steady] - steady * frame - times[0]  # < 0: the first frames were stamped late


def listed_lead(start: float, end: float, duration: float | None, first: float) -> float:
    """How much later on the stream's clock than its listed ``start`` a run's first segment's
    first packet is, from the segment list's ``start``/``end``, the file's own ``duration``
    and its first packet's file time ``first``. The segment muxer lists a run's first segment
    from the stream's time 0, but a copy that joined the stream between key frames (a new
    reader of MediaMTX: up to a GOP) drops the packets before the first key frame, and the
    fragmented MP4 muxer starts the file's clock at the first packet it writes (plain MP4
    keeps the offset: ``first`` says it). The file's time 0 is ``end - duration`` on the
    stream's clock. 0 when the duration is unknown; never negative."""
    if duration is None or duration <= 0:
        return 0.0
    return max(0.0, (end - start) - duration + first)
