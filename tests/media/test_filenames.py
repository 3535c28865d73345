"""Requested and default file names: plain names only, extensions forced."""

from __future__ import annotations

import calendar

import pytest

from camera_service.errors import InvalidParams
from camera_service.media import filenames as fn

pytestmark = pytest.mark.unit

NOW = float(calendar.timegm((2024, 3, 5, 7, 8, 9, 0, 0, 0)))

BAD = ["../x", "/etc/passwd", "a/b", "", "x" * 300, "a\x00b", "..", ".", "a\\b", ".hidden",
       "a\nb", " lead", "trail "]  # fmt: skip


@pytest.mark.parametrize("name", BAD, ids=repr)
def test_bad_snapshot_names_are_rejected_naming_the_filename_param(name: str) -> None:
    with pytest.raises(InvalidParams) as e:
        fn.snapshot_filename("camera0", name, NOW)
    assert e.value.param == "filename"


@pytest.mark.parametrize("name", BAD, ids=repr)
def test_bad_names_are_rejected_for_existing_files_too(name: str) -> None:
    with pytest.raises(InvalidParams):
        fn.check_plain_name(name)


@pytest.mark.parametrize(
    ("requested", "expected"),
    [("shot", "shot.jpg"), ("shot.jpg", "shot.jpg"), ("shot.JPG", "shot.jpg"),
     ("shot.png", "shot.jpg"), ("my shot 1", "my shot 1.jpg"), ("café", "café.jpg")],
)  # fmt: skip
def test_snapshot_extension_is_forced_to_jpg(requested: str, expected: str) -> None:
    assert fn.snapshot_filename("camera0", requested, NOW) == expected


def test_name_limit_is_255_bytes_including_the_extension() -> None:
    assert fn.snapshot_filename("camera0", "x" * 251, NOW) == "x" * 251 + ".jpg"
    with pytest.raises(InvalidParams):
        fn.snapshot_filename("camera0", "x" * 252, NOW)
    with pytest.raises(InvalidParams):  # multi-byte characters count in bytes
        fn.snapshot_filename("camera0", "é" * 126, NOW)


def test_default_names_carry_camera_and_utc_time() -> None:
    assert fn.snapshot_filename("camera3", None, NOW) == "camera3_2024-03-05_07-08-09.jpg"
    assert fn.recording_filename("camera0", "fmp4", NOW) == "camera0_2024-03-05_07-08-09.mp4"
    assert fn.recording_filename("camera0", "mp4", NOW) == "camera0_2024-03-05_07-08-09.mp4"
    assert fn.recording_filename("camera0", "mkv", NOW) == "camera0_2024-03-05_07-08-09.mkv"


def test_requested_recording_name_gets_the_format_extension() -> None:
    assert fn.recording_filename("camera0", "mkv", NOW, "trip.mp4") == "trip.mkv"


def test_unknown_format_is_rejected_naming_the_format_param() -> None:
    with pytest.raises(InvalidParams) as e:
        fn.recording_filename("camera0", "avi", NOW)
    assert e.value.param == "format"


def test_device_and_time_are_parsed_back_from_default_names() -> None:
    name = fn.recording_filename("camera12", "fmp4", NOW)
    assert fn.parse_device(name) == "camera12"
    assert fn.parse_time(name) == NOW
    assert fn.parse_device(fn.numbered(name, 2)) == "camera12"
    assert fn.parse_device(fn.segment_name(name, 4)) == "camera12"
    assert fn.parse_device("holiday.mp4") is None
    assert fn.parse_time("holiday.mp4") is None


def test_segment_pattern_and_regex_agree() -> None:
    name = "camera0_2024-03-05_07-08-09.mp4"
    assert fn.segment_pattern(name) == "camera0_2024-03-05_07-08-09_%03d.mp4"
    assert fn.segment_pattern("100%.mp4") == "100%%_%03d.mp4"
    rx = fn.segment_regex(name)
    assert rx.match(fn.segment_name(name, 7))
    assert rx.match("camera0_2024-03-05_07-08-09_1234.mp4")
    assert not rx.match(name)
    assert not rx.match("camera0_2024-03-05_07-08-09_001.mkv")


def test_kind_must_be_snapshots_or_recordings() -> None:
    assert fn.check_kind("snapshots") == "snapshots"
    with pytest.raises(InvalidParams) as e:
        fn.check_kind("../etc")
    assert e.value.param == "kind"
