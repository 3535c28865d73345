"""Choosing the default mode: compressed formats first, the largest size that fits, at a
usable frame rate. Pure function tests (the C920 table is built in code here)."""

from __future__ import annotations

import pytest

from camera_service.cameras.modes import choose_mode
from camera_service.models import CameraMode, Capabilities, FormatCaps, FrameSize

pytestmark = pytest.mark.unit

RATES = (30.0, 24.0, 20.0, 15.0, 10.0, 7.5, 5.0)


def fmt(name: str, *sizes: tuple[int, int, tuple[float, ...]]) -> FormatCaps:
    return FormatCaps(name, name, tuple(FrameSize(w, h, r) for w, h, r in sizes))


C920_LIKE = Capabilities((
    fmt("YUYV", (640, 480, RATES), (1280, 720, (10.0, 7.5, 5.0)), (1920, 1080, (5.0,)),
        (2304, 1536, (2.0,))),
    fmt("H264", (640, 480, RATES), (1280, 720, RATES), (1920, 1080, RATES)),
    fmt("MJPG", (640, 480, RATES), (1280, 720, RATES), (1920, 1080, RATES)),
))


def test_mjpeg_at_the_largest_size_within_the_maximum_wins() -> None:
    assert choose_mode(C920_LIKE, 1920, 1080, 15) == CameraMode("MJPG", 1920, 1080, 30.0)


def test_a_smaller_maximum_picks_the_largest_size_that_fits() -> None:
    assert choose_mode(C920_LIKE, 1280, 720, 15) == CameraMode("MJPG", 1280, 720, 30.0)


def test_h264_is_used_when_there_is_no_mjpeg() -> None:
    caps = Capabilities(tuple(f for f in C920_LIKE.formats if f.pixel_format != "MJPG"))
    assert choose_mode(caps, 1920, 1080, 15) == CameraMode("H264", 1920, 1080, 30.0)


def test_yuyv_only_camera_gets_the_largest_size_that_reaches_min_fps() -> None:
    caps = Capabilities((C920_LIKE.formats[0],))
    # 1280x720 YUYV only does 10 fps, 1920x1080 only 5: 640x480 is the largest at >= 15
    assert choose_mode(caps, 1920, 1080, 15) == CameraMode("YUYV", 640, 480, 30.0)


def test_compressed_format_beats_a_larger_raw_size() -> None:
    caps = Capabilities((
        fmt("YUYV", (1280, 720, (30.0,))),
        fmt("MJPG", (640, 480, (30.0,))),
    ))
    assert choose_mode(caps, 1920, 1080, 15) == CameraMode("MJPG", 640, 480, 30.0)


def test_slow_camera_still_gets_a_mode_when_nothing_reaches_min_fps() -> None:
    caps = Capabilities((fmt("YUYV", (640, 480, (10.0, 5.0)), (320, 240, (10.0,))),))
    assert choose_mode(caps, 1920, 1080, 15) == CameraMode("YUYV", 640, 480, 10.0)


def test_camera_larger_than_the_maximum_uses_its_smallest_size() -> None:
    caps = Capabilities((fmt("MJPG", (3840, 2160, (30.0,)), (2560, 1440, (30.0,))),))
    assert choose_mode(caps, 1920, 1080, 15) == CameraMode("MJPG", 2560, 1440, 30.0)


def test_sizes_without_reported_intervals_count_as_30_fps() -> None:
    caps = Capabilities((fmt("MJPG", (1280, 720, ())),))
    assert choose_mode(caps, 1920, 1080, 15) == CameraMode("MJPG", 1280, 720, 30.0)


def test_highest_frame_rate_of_the_chosen_size() -> None:
    caps = Capabilities((fmt("MJPG", (1280, 720, (15.0, 60.0, 30.0))),))
    mode = choose_mode(caps, 1920, 1080, 15)
    assert mode is not None and mode.fps == 60.0


def test_unknown_formats_come_last() -> None:
    caps = Capabilities((fmt("GREY", (1920, 1080, (30.0,))), fmt("YUYV", (640, 480, (30.0,)))))
    assert choose_mode(caps, 1920, 1080, 15) == CameraMode("YUYV", 640, 480, 30.0)


def test_no_formats_means_no_mode() -> None:
    assert choose_mode(Capabilities(), 1920, 1080, 15) is None
    assert choose_mode(Capabilities((fmt("MJPG"),)), 1920, 1080, 15) is None
