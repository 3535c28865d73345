"""``cameras.motion``: off by default, per-camera overrides on top of the defaults, errors that
name the key (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from camera_service.config.load import effective_yaml, validate
from camera_service.errors import ConfigError
from camera_service.motion.settings import MotionSpec, decode, encode, spec_from_mapping

pytestmark = pytest.mark.unit

AUTH = {"jwt_secret": "0123456789abcdef0123456789abcdef"}
SQUARE = [[0, 0], [0.5, 0], [0.5, 0.5], [0, 0.5]]


def config(motion: Any) -> Any:
    return validate({"auth": AUTH, "cameras": {"motion": motion}})


def test_without_the_section_motion_is_off() -> None:
    spec = validate({"auth": AUTH}).cameras.motion.spec_for("camera0")
    assert spec == MotionSpec() and not spec.enabled


def test_a_per_camera_override_changes_only_its_keys() -> None:
    motion = config({
        "enabled": True, "threshold": 30,
        "cameras": {"camera1": {"masks": [SQUARE], "quiet_seconds": 10}},
    }).cameras.motion  # fmt: skip
    zero, one = motion.spec_for("camera0"), motion.spec_for("camera1")
    assert (zero.enabled, zero.threshold, zero.masks) == (True, 30, ())
    assert (one.enabled, one.threshold, one.quiet_seconds) == (True, 30, 10.0)
    assert one.masks == (((0.0, 0.0), (0.5, 0.0), (0.5, 0.5), (0.0, 0.5)),)
    assert "quiet_seconds: 10.0" in effective_yaml(config({"quiet_seconds": 10}))


@pytest.mark.parametrize(
    ("motion", "line"),
    [
        ({"threshold": 0}, "cameras.motion.threshold: expected an integer 1..255"),
        ({"enabeld": True}, "cameras.motion.enabeld: unknown key; did you mean 'enabled'?"),
        ({"min_area": "big"}, "cameras.motion.min_area: expected a number"),
        ({"masks": [[[0, 0], [1, 0]]]}, "cameras.motion.masks[0]: expected a polygon"),
        ({"cameras": {"camera1": {"masks": [[[0, 0], [2, 0], [1, 1]]]}}},
         "cameras.motion.cameras.camera1.masks[0][1]: expected a number 0..1"),
        ({"cameras": {"front": {}}}, "cameras.motion.cameras.front: expected an id like camera0"),
        ({"enabled": "yes please"}, "cameras.motion.enabled: expected true or false"),
    ],
)  # fmt: skip
def test_bad_motion_settings_name_the_key(motion: Any, line: str) -> None:
    with pytest.raises(ConfigError) as e:
        config(motion)
    assert any(line in got for got in e.value.lines()), e.value.lines()


def test_the_state_file_round_trips() -> None:
    specs = {"camera0": spec_from_mapping({"enabled": True, "masks": [SQUARE], "pre_capture": 2})}
    assert decode(encode(specs)) == specs
    with pytest.raises(ValueError, match="version"):
        decode('{"version": 9, "cameras": {}}')


def test_retain_days_is_thirty_by_default_and_checked() -> None:
    assert validate({"auth": AUTH}).cameras.motion.retain_days == 30.0
    assert config({"retain_days": 7}).cameras.motion.retain_days == 7.0
    with pytest.raises(ConfigError) as e:
        config({"retain_days": 0})
    assert any("cameras.motion.retain_days: expected a number > 0" in got for got in e.value.lines())
