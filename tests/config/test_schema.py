"""The schema as a pure function: mappings in, Config or every problem (with its path) out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from camera_service.config import effective_yaml, validate
from camera_service.config.model import Config, TestPatternConfig
from camera_service.errors import ConfigError

pytestmark = pytest.mark.unit

SECRET = {"auth": {"jwt_secret": "s" * 32}}


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        validate(data, Path("/nonexistent-base"))
    return info.value.lines()


def test_minimal_config_takes_every_default() -> None:
    config = validate(SECRET)
    assert config.server.port == 8002
    assert config.mediamtx.api_url == "http://127.0.0.1:9997"
    assert config.storage.recordings_dir == Path("/var/lib/camera-service/recordings")
    assert config.cameras.udev is True


def test_config_is_frozen() -> None:
    config = validate(SECRET)
    with pytest.raises(AttributeError):
        config.server.port = 1  # type: ignore[misc]


def test_unknown_key_suggests_the_closest_known_one() -> None:
    assert problems({**SECRET, "server": {"prot": 80}}) == [
        "server.prot: unknown key; did you mean 'port'?"
    ]


def test_unknown_section_suggests_a_section() -> None:
    assert problems({**SECRET, "mediamx": {}}) == ["mediamx: unknown key; did you mean 'mediamtx'?"]


def test_unknown_key_without_a_close_match_lists_the_known_ones() -> None:
    (line,) = problems({**SECRET, "logging": {"zzz": 1}})
    assert line.startswith("logging.zzz: unknown key; known keys: level, target")


def test_every_error_is_reported_at_once_each_with_its_path() -> None:
    lines = problems({
        "server": {"port": 70000, "host": 5},
        "mediamtx": {"api_url": "localhost:9997"},
        "cameras": {"network": [{"url": "http://x"}, {"nam": "a"}]},
    })
    assert lines == [
        "auth.jwt_secret: required: set auth.jwt_secret or auth.jwt_secret_file",
        "cameras.network[0].url: expected a URL (rtsp:///rtsps://HOST...), got 'http://x'",
        "cameras.network[1].nam: unknown key; did you mean 'name'?",
        "cameras.network[1].url: required key missing",
        "mediamtx.api_url: expected a URL (http:///https://HOST...), got 'localhost:9997'",
        "server.host: expected a host name or address, got 5",
        "server.port: expected an integer in 0..65535, got 70000",
    ]


def test_booleans_are_not_numbers() -> None:
    assert problems({**SECRET, "server": {"port": True}}) == [
        "server.port: expected an integer, got True"
    ]


def test_test_pattern_short_and_long_forms() -> None:
    assert validate({**SECRET, "cameras": {"test_pattern": True}}).cameras.test_pattern == (
        TestPatternConfig(enabled=True)
    )
    long = validate({**SECRET, "cameras": {"test_pattern": {"enabled": "auto", "width": 640}}})
    assert long.cameras.test_pattern == TestPatternConfig(enabled="auto", width=640)


def test_log_level_is_case_insensitive() -> None:
    assert validate({**SECRET, "logging": {"level": "debug"}}).logging.level == "DEBUG"


def test_relative_paths_are_relative_to_the_config_folder() -> None:
    config = validate({**SECRET, "storage": {"state_dir": "state"}}, Path("/etc/x"))
    assert config.storage.state_dir == Path("/etc/x/state")
    assert config.storage.snapshots_dir == Path("/etc/x/state/snapshots")


def test_effective_config_masks_secrets_and_url_passwords() -> None:
    config = validate({
        "auth": {"jwt_secret": "very-secret-value-0123456789abcdef"},
        "mediamtx": {"api_user": "u", "api_password": "hunter2-pw"},
        "cameras": {"network": [{"url": "rtsp://admin:pa55@10.0.0.9/stream"}]},
    })
    text = effective_yaml(config)
    assert "very-secret-value-0123456789abcdef" not in text
    assert "hunter2-pw" not in text and "pa55" not in text
    assert "rtsp://admin:********@10.0.0.9/stream" in text


def test_repr_never_shows_secrets() -> None:
    config = validate({"auth": {"jwt_secret": "very-secret-value-0123456789abcdef"}})
    assert "very-secret-value-0123456789abcdef" not in repr(config)
    assert isinstance(config, Config)


def test_download_link_keys() -> None:
    config = validate(SECRET)
    assert config.server.public_url is None and config.server.link_ttl == 4 * 3600
    given = {"public_url": "https://cams.example/camera", "link_ttl": 600}
    server = validate({**SECRET, "server": given}).server
    assert server.public_url == "https://cams.example/camera" and server.link_ttl == 600
    assert validate({**SECRET, "server": {"public_url": None}}).server.public_url is None
    assert problems({**SECRET, "server": {"public_url": "ftp://cams.example", "link_ttl": 10**9}}) == [
        "server.link_ttl: expected an integer in 60..604800, got 1000000000",
        "server.public_url: expected a URL (http:///https://HOST...), got 'ftp://cams.example'",
    ]


def test_rate_limit_zero_is_accepted_and_means_no_limit() -> None:
    assert validate({**SECRET, "server": {"rate_limit": 0}}).server.rate_limit == 0.0
    assert problems({**SECRET, "server": {"rate_limit": -1}}) == [
        "server.rate_limit: expected a number >= 0, got -1"
    ]


def test_csi_modes_are_read_per_camera_id() -> None:
    config = validate({**SECRET, "cameras": {"csi": {"camera2": {
        "width": 2304, "height": 1296, "fps": 30, "hdr": True, "rotation": 180, "index": 1}}}})
    mode = config.cameras.csi["camera2"]
    assert (mode.width, mode.height, mode.fps, mode.hdr, mode.rotation, mode.index) == (
        2304, 1296, 30.0, True, 180, 1)
    assert config.mediamtx.video_encoder == "auto"


def test_bad_csi_modes_name_the_key() -> None:
    lines = problems({**SECRET, "cameras": {"csi": {
        "camera0": {"rotation": 90, "widht": 5}, "front": {"fps": 30}}}})
    assert any(line.startswith("cameras.csi.camera0.rotation: expected 0 or 180") for line in lines), lines
    assert any("cameras.csi.camera0.widht: unknown key; did you mean 'width'?" in line
               for line in lines), lines
    assert any(line.startswith("cameras.csi.front: expected an id like camera0") for line in lines), lines


def test_external_allow_defaults_to_the_private_ranges_and_takes_a_list() -> None:
    assert validate(SECRET).cameras.external.allow == (
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
    listed = validate({**SECRET, "cameras": {"external": {"allow": ["127.0.0.0/8", "10.0.0.0/8"]}}})
    assert listed.cameras.external.allow == ("127.0.0.0/8", "10.0.0.0/8")
    assert validate({**SECRET, "cameras": {"external": {"allow": []}}}).cameras.external.allow == ()
