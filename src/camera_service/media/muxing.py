"""ffmpeg command lines for recordings, and the segment list ffmpeg keeps. No I/O except
reading that list."""

from __future__ import annotations

import csv
from pathlib import Path

from ..models import LAVFI_PREFIX
from .filenames import segment_pattern
from .reader_input import input_args

FRAGMENT_FLAGS = "+frag_keyframe+empty_moov+default_base_moof"


def recording_args(
    url: str,
    path: Path,
    fmt: str,
    duration: float | None,
    segment_seconds: int,
    io_timeout: float,
    fps: float | None = None,
    first_segment: int = 0,
) -> list[str]:
    """The ffmpeg command line (without the binary) for one recording.

    A ``duration`` with a known frame rate is a frame count (``-frames:v``): ffmpeg's own
    ``-t`` counts from the stream's first packet, but a copy starts at the first key frame,
    so a camera read in the middle of a GOP gave files short by up to one GOP (4 s asked,
    3.52 s written). ``-t`` stays as the bound in case the rate is wrong. ``first_segment``
    numbers the first segment file (a resumed recording goes on where it stopped)."""
    args = ["-hide_banner", "-nostats", "-loglevel", "warning"]
    args += input_args(url, io_timeout)
    # mp4 cannot carry every camera audio codec with -c copy; mkv can
    args += ["-map", "0:v:0"] if fmt != "mkv" else ["-map", "0:v:0", "-map", "0:a?"]
    if url.startswith(LAVFI_PREFIX):  # raw frames from a generator: encode them
        args += ["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
                 "-pix_fmt", "yuv420p", "-g", "30"]
    else:
        args += ["-c", "copy"]
    if duration is not None and fps and fps > 0:
        frames = max(1, round(duration * fps))
        args += ["-frames:v", str(frames), "-t", f"{duration + max(2.0, duration / 4):g}"]
        if fmt == "mkv":
            args += ["-shortest"]  # audio ends with the video
    elif duration is not None:
        args += ["-t", f"{duration:g}"]
    container, options = {
        # each finished fragment goes to disk at once (-flush_packets): a crash loses at most
        # the fragment being written, never the buffered ones before it
        "fmp4": ("mp4", ["-movflags", FRAGMENT_FLAGS, "-flush_packets", "1"]),
        "mp4": ("mp4", ["-movflags", "+faststart"]),
        "mkv": ("matroska", []),
    }[fmt]
    if segment_seconds > 0:
        args += ["-f", "segment", "-segment_time", str(segment_seconds)]
        args += ["-reset_timestamps", "1", "-segment_format", container]
        if first_segment:
            args += ["-segment_start_number", str(first_segment)]
        if options:
            args += ["-segment_format_options", f"movflags={options[1]}"]
        # the closed segments with their times: durations without probing every file
        args += ["-segment_list", str(segment_list_path(path)), "-segment_list_type", "csv"]
        return [*args, "-n", str(path.with_name(segment_pattern(path.name)))]
    return [*args, *options, "-f", container, "-n", str(path)]


def segment_list_path(path: Path) -> Path:
    """Hidden (never listed, never in retention); removed when the recording is finalized."""
    return path.with_name(f".{path.name}.segments.csv")


def parse_segment_list(text: str) -> dict[str, float]:
    """``{segment name: duration}`` from ffmpeg's CSV segment list (``name,start,end``)."""
    out: dict[str, float] = {}
    for row in csv.reader(text.splitlines()):
        try:
            name, start, end = row
            out[name] = max(0.0, float(end) - float(start))
        except ValueError:  # wrong field count or not a number: a torn last line
            continue
    return out


def read_segment_list(path: Path) -> dict[str, float]:
    try:
        return parse_segment_list(path.read_text(errors="replace"))
    except OSError:
        return {}
