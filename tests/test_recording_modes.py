"""Recording modes and weekly schedules (pure): which key is wrong, when a window is open,
when the next edge comes, and the saved file's round trip."""

from __future__ import annotations

import time

import pytest

from camera_service.media.worker_status import needs_restart
from camera_service.recording_modes import (
    DAY_SECONDS,
    ModeSpec,
    Window,
    decode_modes,
    encode_modes,
    in_schedule,
    parse_window,
    seconds_to_edge,
    spec_from_mapping,
    wanted,
    week_second,
)

pytestmark = pytest.mark.unit

H = 3600
WEEKDAYS = {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "18:00"}


def local(wday_offset: int, h: int, m: int = 0, s: int = 0) -> float:
    """A wall time on a known Monday (2024-01-01) + ``wday_offset`` days, host time zone."""
    return time.mktime((2024, 1, 1 + wday_offset, h, m, s, 0, 0, -1))


def test_defaults_are_off_with_300s_fmp4_segments() -> None:
    spec = spec_from_mapping({})
    assert (spec.mode, spec.segment_seconds, spec.format, spec.retention) == ("off", 300, "fmp4", None)


def test_a_weekday_window_is_open_inside_and_closed_outside_and_at_weekends() -> None:
    spec = spec_from_mapping({"mode": "schedule", "schedule": [WEEKDAYS]})
    assert wanted(spec, local(0, 8)) and wanted(spec, local(4, 17, 59, 59))
    assert not wanted(spec, local(0, 7, 59, 59)) and not wanted(spec, local(0, 18))
    assert not wanted(spec, local(5, 12))  # Saturday


def test_a_window_past_midnight_belongs_to_the_day_it_opens_on() -> None:
    w = parse_window({"days": ["fri"], "start": "22:00", "end": "06:00"}, "w")
    assert in_schedule((w,), 4 * DAY_SECONDS + 23 * H)  # Friday 23:00
    assert in_schedule((w,), 5 * DAY_SECONDS + 5 * H)  # Saturday 05:00
    assert not in_schedule((w,), 5 * DAY_SECONDS + 23 * H)
    sunday = parse_window({"days": ["sun"], "start": "23:00", "end": "01:00"}, "w")
    assert in_schedule((sunday,), 0 + 30 * 60)  # wraps into Monday 00:30


def test_end_24_00_and_seconds_are_accepted() -> None:
    w = parse_window({"start": "12:00:30", "end": "24:00"}, "w")
    assert w.days == tuple(range(7)) and (w.start, w.end) == (12 * H + 30, DAY_SECONDS)
    assert w.as_dict()["end"] == "24:00" and w.as_dict()["start"] == "12:00:30"


def test_seconds_to_edge_points_at_the_next_opening_or_closing() -> None:
    spec = spec_from_mapping({"mode": "schedule", "schedule": [WEEKDAYS]})
    assert seconds_to_edge(spec, local(0, 7, 59, 58)) == pytest.approx(2.0)
    assert seconds_to_edge(spec, local(0, 17)) == pytest.approx(H)
    assert seconds_to_edge(spec, local(4, 18)) == pytest.approx(62 * H)  # Friday 18:00 → Monday 08:00
    assert seconds_to_edge(ModeSpec("continuous"), 0.0) is None


def test_continuous_is_always_wanted_and_off_never() -> None:
    assert wanted(ModeSpec("continuous"), 0.0) and not wanted(ModeSpec("off"), 0.0)


def test_motion_keeps_its_buffer_wanted_and_only_a_change_to_or_from_it_restarts_the_run() -> None:
    motion = spec_from_mapping({"mode": "motion", "segment_seconds": 60})
    assert motion.mode == "motion" and wanted(motion, 0.0)  # the buffer runs all the time
    assert needs_restart(ModeSpec("continuous"), motion) and needs_restart(motion, ModeSpec("schedule"))
    # the buffer's run does not depend on the format and length of the clips made from it
    assert not needs_restart(motion, spec_from_mapping({"format": "mkv", "segment_seconds": 30}, motion))
    assert needs_restart(ModeSpec("continuous"), ModeSpec("continuous", segment_seconds=60))


def test_week_second_counts_from_local_monday_midnight() -> None:
    assert week_second(local(2, 1, 2, 3)) == 2 * DAY_SECONDS + H + 123


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"mode": "always"}, "mode: expected one of off, continuous, schedule"),
        ({"mode": "schedule"}, "schedule: mode 'schedule' needs at least one window"),
        ({"schedule": [{"start": "8", "end": "9:00"}]}, "schedule[0].start: expected a time"),
        ({"schedule": [{"start": "08:00", "end": "08:00"}]}, "schedule[0].end: must differ"),
        ({"schedule": [{"days": ["someday"], "start": "1:00", "end": "2:00"}]}, "schedule[0].days"),
        ({"segment_seconds": 0}, "segment_seconds: expected an integer"),
        ({"format": "avi"}, "format: expected one of fmp4, mp4, mkv"),
        ({"retention": {"max_age_days": -1}}, "retention.max_age_days: expected a number > 0"),
        ({"colour": "red"}, "colour: unknown key"),
    ],
)
def test_bad_input_names_the_key_and_reason(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        spec_from_mapping(data)


def test_changes_keep_the_keys_not_given() -> None:
    base = spec_from_mapping({"mode": "continuous", "segment_seconds": 60, "format": "mkv"})
    changed = spec_from_mapping({"mode": "off"}, base)
    assert (changed.mode, changed.segment_seconds, changed.format) == ("off", 60, "mkv")


def test_saved_modes_read_back_the_same() -> None:
    modes = {
        "camera0": spec_from_mapping({"mode": "continuous", "retention": {"max_size_gb": 2}}),
        "camera1": ModeSpec("schedule", (Window((0, 6), 3600, 7200),), 120, "mp4"),
    }
    assert decode_modes(encode_modes(modes)) == modes


@pytest.mark.parametrize(
    "text", ["[]", '{"version": 2, "cameras": {}}', '{"version": 1, "cameras": {"c": {"mode": 3}}}']
)
def test_a_damaged_modes_file_is_an_error_saying_what_is_wrong(text: str) -> None:
    with pytest.raises(ValueError):
        decode_modes(text)
