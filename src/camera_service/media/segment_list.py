"""A continuous run's segments as ffmpeg's segment muxer makes and lists them, and where
they lie on the wall clock (``segmenter`` runs the ffmpeg). Pure.

``segment_args`` is the muxer's command line: it cuts on key frames at every
``segment_seconds`` and names each file by camera and start time
(``camera0_YYYY-MM-DD_HH-MM-SS.mp4``; ``name_regex`` matches them), and lists each closed
segment with its start and end on the stream's clock in a CSV file (``parse_list``).

``Placement`` turns those times into wall-clock ``Segment``s. The stream's clock is tied to
the wall clock by ffmpeg's own progress reports (``-progress``, every ``STATS_PERIOD``;
``out_time``): each says how far the muxer has got on the stream's clock, read at a wall
time; the earliest ``wall - out_time`` over the run is when the stream's time 0 was muxed (a
copy muxes each frame as it arrives), so a segment's start and end are the muxer's times,
not the guess from the first bytes on disk (``anchor``) used until the first report comes.
A copy of an RTSP stream gives its first frames (read while probing, before the camera's
first RTCP report) times of their own, well before the next frame's (0.7 s on the recipe
camera): the run's first frame is placed from the first packet on the steady clock, a frame
interval per packet before it (``first_frame_lead``), which the frames themselves say it
was; and a run that joined the stream between key frames (a new reader of MediaMTX) lists
its first segment from before its first key frame, which the file's own length says
(``listed_lead``). Breaks between runs are then measured to about a frame (issue 20).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..models import LAVFI_PREFIX
from .filenames import RECORDING_FORMATS
from .muxing import FRAGMENT_FLAGS
from .reader_input import input_args
from .stream_clock import stream_origin
from .timeline import Segment

STATS_PERIOD = 0.1  # seconds between ffmpeg's progress reports
CONTAINERS = {"fmp4": "mp4", "mp4": "mp4", "mkv": "matroska"}
FORMAT_OPTIONS = {
    "fmp4": f"movflags={FRAGMENT_FLAGS}:flush_packets=1",
    "mp4": "movflags=+faststart",
    "mkv": "",
}


def segment_args(
    url: str, directory: Path, camera_id: str, fmt: str, segment_seconds: int,
    io_timeout: float, list_path: Path,
) -> list[str]:  # fmt: skip
    """The ffmpeg command line (without the binary) for one continuous run."""
    args = ["-hide_banner", "-nostats", "-loglevel", "warning"]
    args += input_args(url, io_timeout)
    args += ["-map", "0:v:0"] if fmt != "mkv" else ["-map", "0:v:0", "-map", "0:a?"]
    if url.startswith(LAVFI_PREFIX):  # raw frames from a generator: encode, key frame per cut
        args += ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
                 "-pix_fmt", "yuv420p", "-g", "30",
                 "-force_key_frames", f"expr:gte(t,n_forced*{segment_seconds})"]  # fmt: skip
    else:
        args += ["-c", "copy"]
    args += ["-f", "segment", "-segment_time", str(segment_seconds), "-reset_timestamps", "1"]
    args += ["-segment_format", CONTAINERS[fmt], "-strftime", "1"]
    if FORMAT_OPTIONS[fmt]:
        args += ["-segment_format_options", FORMAT_OPTIONS[fmt]]
    args += ["-segment_list", str(list_path), "-segment_list_type", "csv"]
    args += ["-progress", "pipe:1", "-stats_period", str(STATS_PERIOD)]
    pattern = f"{camera_id}_%Y-%m-%d_%H-%M-%S{RECORDING_FORMATS[fmt]}"
    return [*args, str(directory / pattern)]


def parse_list(text: str) -> list[tuple[str, float, float]]:
    """``(name, start, end)`` rows of ffmpeg's CSV segment list; a torn last line is skipped."""
    out = []
    for line in text.splitlines():
        parts = line.rsplit(",", 2)
        try:
            out.append((parts[0], float(parts[1]), float(parts[2])))
        except (ValueError, IndexError):
            continue
    return out


def name_regex(camera_id: str, fmt: str) -> re.Pattern[str]:
    ext = re.escape(RECORDING_FORMATS[fmt])
    return re.compile(re.escape(camera_id) + r"_\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d" + ext + "$")


def progress_out_time(line: bytes) -> float | None:
    """The stream time (seconds) a line of ffmpeg's progress report says the muxer has got
    to (its ``out_time_us``); ``None`` for every other line."""
    key, _, value = line.decode(errors="replace").strip().partition("=")
    if key == "out_time_us" and value.lstrip("-").isdigit():
        return int(value) / 1e6
    return None


class Placement:
    """Where one run's listed segments lie on the wall clock. ``anchor``: the wall time of
    the run's first frame (first a guess from the first bytes on disk); ``origin``: the wall
    time of the stream's time 0 (``stream_origin`` of the reports so far); ``lead``: how
    much later than its listed start the run's first frame was; ``first_ts``: the first
    segment's listed start, once placed."""

    def __init__(self, started_wall: float) -> None:
        self.started_wall = started_wall
        self.anchor: float | None = None  # wall time of the run's first frame
        self.origin: float | None = None  # wall time of the stream's time 0 (stream_origin)
        self.lead = 0.0  # first_frame_lead of the run's first segment
        self.first_ts: float | None = None
        self._origin: float | None = None  # the origin the run's segments are placed by

    def report(self, wall: float, out_time: float) -> None:
        """A progress report read at ``wall``: the muxer had got to ``out_time``."""
        origin = stream_origin([(wall, out_time)])
        if origin is not None and (self.origin is None or origin < self.origin):
            self.origin = origin

    def place(self, name: str, start: float, end: float) -> Segment:
        """The next listed segment (``start``/``end`` on the stream's clock) in wall time; the
        first one fixes the run's clock (the origin known then) from now on."""
        if self.first_ts is None:
            self.first_ts, self._origin = start, self.origin  # the run's clock, from now on
            if self._origin is not None:  # the muxer's time of the first frame
                self.anchor = self._origin + start + self.lead
                return Segment(name, self.anchor, max(self.anchor, self._origin + end))
        if self._origin is not None:
            return Segment(name, self._origin + start, self._origin + end)
        anchor = self.anchor if self.anchor is not None else self.started_wall
        return Segment(name, anchor + start - self.first_ts, anchor + end - self.first_ts)

    def clock_anchor(self) -> dict[str, float | None]:
        """How the run's segments are placed, for the journal (``recorder_upkeep.recover``
        places those a crash left unrecorded the same way): ``anchor`` is the wall time of
        its first segment's start on the stream's clock, ``lead`` how much later its first
        frame was (``first_frame_lead``)."""
        if self._origin is not None and self.first_ts is not None:
            return {"anchor": self._origin + self.first_ts, "lead": self.lead}
        return {"anchor": self.anchor, "lead": 0.0}
