"""ffmpeg command lines per format and the segment list parser (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from camera_service.media.muxing import FRAGMENT_FLAGS, parse_segment_list, recording_args

pytestmark = pytest.mark.unit

URL = "rtsp://127.0.0.1:8554/camera0"
OUT = Path("/r/camera0_2024-03-05_07-08-09.mp4")


def after(args: list[str], flag: str) -> str:
    return args[args.index(flag) + 1]


def test_rtsp_is_read_over_tcp_with_an_io_timeout_and_copied() -> None:
    args = recording_args(URL, OUT, "fmp4", None, 0, io_timeout=2.5)
    assert after(args, "-rtsp_transport") == "tcp"
    assert after(args, "-timeout") == "2500000"  # microseconds
    assert after(args, "-i") == URL and after(args, "-c") == "copy"
    assert "-t" not in args
    assert args[-2:] == ["-n", str(OUT)]  # never overwrite an existing file


@pytest.mark.parametrize(
    ("fmt", "container", "movflags"),
    [("fmp4", "mp4", FRAGMENT_FLAGS), ("mp4", "mp4", "+faststart"), ("mkv", "matroska", None)],
)
def test_each_format_has_its_muxer_and_flags(fmt: str, container: str, movflags: str | None) -> None:
    args = recording_args(URL, OUT, fmt, 3, 0, io_timeout=5)
    assert after(args, "-f") == container and after(args, "-t") == "3"
    assert (after(args, "-movflags") if "-movflags" in args else None) == movflags


def test_segmented_recording_uses_the_segment_muxer_and_lists_segments() -> None:
    args = recording_args(URL, OUT, "fmp4", None, 60, io_timeout=5)
    assert after(args, "-f") == "segment" and after(args, "-segment_time") == "60"
    assert after(args, "-segment_format") == "mp4"
    assert after(args, "-segment_format_options") == f"movflags={FRAGMENT_FLAGS}"
    assert after(args, "-segment_list") == "/r/.camera0_2024-03-05_07-08-09.mp4.segments.csv"
    assert args[-1] == "/r/camera0_2024-03-05_07-08-09_%03d.mp4"


def test_segment_list_parsing_skips_a_torn_last_line() -> None:
    text = 'a_000.mp4,0.000000,2.066667\n"b,1_001.mp4",2.066667,4.000000\na_002.mp4,4.0'
    assert parse_segment_list(text) == {
        "a_000.mp4": pytest.approx(2.066667),
        "b,1_001.mp4": pytest.approx(1.933333),
    }


def test_a_timed_recording_with_a_known_rate_counts_frames_and_keeps_t_as_a_bound() -> None:
    args = recording_args(URL, OUT, "fmp4", 4, 0, io_timeout=5, fps=15.0)
    assert after(args, "-frames:v") == "60" and float(after(args, "-t")) > 4
