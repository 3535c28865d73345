"""``cameras.recording``: defaults, per-camera overrides on top of them, and errors that name
the key (pure: a parsed mapping in, a frozen config or a ``ConfigError`` out)."""

from __future__ import annotations

from typing import Any

import pytest

from camera_service.config.load import effective_yaml, validate
from camera_service.errors import ConfigError

pytestmark = pytest.mark.unit

AUTH = {"jwt_secret": "0123456789abcdef0123456789abcdef"}


def config(recording: Any) -> Any:
    return validate({"auth": AUTH, "cameras": {"recording": recording}})


def test_without_the_section_every_camera_is_off_with_300s_fmp4_segments() -> None:
    spec = validate({"auth": AUTH}).cameras.recording.spec_for("camera0")
    assert (spec.mode, spec.segment_seconds, spec.format) == ("off", 300, "fmp4")


def test_a_per_camera_override_changes_only_its_keys() -> None:
    rec = config({
        "mode": "continuous", "segment_seconds": 60,
        "cameras": {"camera1": {"mode": "schedule",
                                "schedule": [{"days": ["sat"], "start": "10:00", "end": "12:00"}]}},
    }).cameras.recording  # fmt: skip
    assert rec.spec_for("camera0").mode == "continuous"
    one = rec.spec_for("camera1")
    assert (one.mode, one.segment_seconds, one.schedule[0].days) == ("schedule", 60, (5,))


def test_mode_motion_and_its_buffer_size() -> None:
    rec = config({"cameras": {"camera1": {"mode": "motion"}}, "buffer_mb": 8}).cameras.recording
    assert rec.spec_for("camera1").mode == "motion" and rec.buffer_mb == 8
    assert validate({"auth": AUTH}).cameras.recording.buffer_mb == 32


def test_the_effective_configuration_shows_schedules_as_written() -> None:
    text = effective_yaml(config({"mode": "schedule", "schedule": [{"start": "08:00", "end": "18:00"}]}))
    assert "start: 08:00" in text or "start: '08:00'" in text


@pytest.mark.parametrize(
    ("recording", "line"),
    [
        ({"mode": "sometimes"}, "cameras.recording.mode: expected one of off, continuous, schedule"),
        ({"moed": "off"}, "cameras.recording.moed: unknown key; did you mean 'mode'?"),
        ({"cameras": {"camera1": {"schedule": [{"start": "25:00", "end": "01:00"}]}}},
         "cameras.recording.cameras.camera1.schedule[0].start: expected a time between 00:00 and 24:00"),
        ({"cameras": {"front": {}}}, "cameras.recording.cameras.front: expected an id like camera0"),
        ({"retry_max": 0}, "cameras.recording.retry_max: expected a number > 0"),
        ({"buffer_mb": 0.5}, "cameras.recording.buffer_mb: expected a number >= 1"),
        ({"mode": "motoin"}, "cameras.recording.mode: expected one of off, continuous, schedule, motion"),
    ],
)  # fmt: skip
def test_bad_recording_settings_name_the_key(recording: Any, line: str) -> None:
    with pytest.raises(ConfigError) as e:
        config(recording)
    assert any(line in got for got in e.value.lines()), e.value.lines()


def test_a_bare_yaml_off_is_the_mode_off() -> None:
    from camera_service.config.load import parse_yaml

    data = parse_yaml("auth: {jwt_secret: 0123456789abcdef0123456789abcdef}\n"
                      "cameras:\n  recording:\n    mode: off\n"
                      "    cameras: {camera1: {mode: off}}\n", "test")  # fmt: skip
    rec = validate(data).cameras.recording
    assert rec.spec_for("camera0").mode == "off" and rec.spec_for("camera1").mode == "off"
