"""``mqtt:``: off by default, defaults from the host name, every error with its key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from camera_service.config import validate
from camera_service.config.mqtt import default_node
from camera_service.errors import ConfigError

pytestmark = pytest.mark.unit
AUTH = {"jwt_secret": "x" * 32}


def problems(mqtt: object) -> list[str]:
    with pytest.raises(ConfigError) as e:
        validate({"auth": AUTH, "mqtt": mqtt})
    return e.value.lines()


def test_off_by_default_and_no_commands_allowed() -> None:
    m = validate({"auth": AUTH}).mqtt
    assert not m.enabled and m.commands == ()
    assert m.discovery_prefix == "homeassistant"


def test_base_topic_and_client_id_default_to_the_host_name() -> None:
    m = validate({"auth": AUTH, "mqtt": {"enabled": True}}).mqtt
    assert m.base_topic == f"camera-service/{default_node()}"
    assert m.client_id == f"camera-service-{default_node()}"


def test_password_is_read_from_its_file(tmp_path: Path) -> None:
    f = tmp_path / "pw"
    f.write_text("s3cret\n")
    f.chmod(0o600)
    m = validate({"auth": AUTH, "mqtt": {"username": "u", "password_file": str(f)}}).mqtt
    assert m.password == "s3cret" and "s3cret" not in repr(m)


@pytest.mark.parametrize(("mqtt", "expected"), [
    ({"enabld": True}, "mqtt.enabld: unknown key; did you mean 'enabled'?"),
    ({"port": 0}, "mqtt.port: expected an integer in 1..65535"),
    ({"qos": 3}, "mqtt.qos: expected an integer in 0..2"),
    ({"base_topic": "a/#"}, "mqtt.base_topic: expected a topic without +, # or empty levels"),
    ({"base_topic": "/a"}, "mqtt.base_topic: expected a topic without +, # or empty levels"),
    ({"base_topic": "homeassistant/x"}, "mqtt.base_topic: must not lie under mqtt.discovery_prefix"),
    ({"commands": ["reboot"]}, "mqtt.commands[0]: expected one of snapshot, recording, recording_mode"),
    ({"tls": {"ca": "/nonexistent/ca.crt"}}, "mqtt.tls.ca: '/nonexistent/ca.crt' does not exist"),
    ({"tls": {"cert": "/etc/hostname"}}, "mqtt.tls.key: cert and key must be given together"),
    ({"tls": {"cetr": "x"}}, "mqtt.tls.cetr: unknown key; did you mean 'cert'?"),
    ({"password_file": "/nonexistent/pw", "username": "u"}, "mqtt.password_file: cannot read"),
    ({"keepalive": 1}, "mqtt.keepalive: expected an integer in 5..3600"),
    ({"reconnect_min": 10, "reconnect_max": 2}, "mqtt.reconnect_max: must be >= reconnect_min"),
])  # fmt: skip
def test_errors_name_the_key(mqtt: dict[str, object], expected: str) -> None:
    assert any(line.startswith(expected) for line in problems(mqtt)), problems(mqtt)


def test_a_password_file_others_can_write_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "pw"
    f.write_text("s3cret\n")
    os.chmod(f, 0o666)
    lines = problems({"username": "u", "password_file": str(f)})
    assert any("writable by every user" in line for line in lines)


def test_a_password_needs_a_user(tmp_path: Path) -> None:
    f = tmp_path / "pw"
    f.write_text("s3cret\n")
    assert "mqtt.username: required when mqtt.password_file is set" in problems({"password_file": str(f)})


def test_tls_files_that_do_not_load_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "ca.pem"
    bad.write_text("not a certificate\n")
    assert any(line.startswith("mqtt.tls.ca: ") and "not a PEM CA certificate" in line
               for line in problems({"tls": {"ca": str(bad)}}))  # fmt: skip
    lines = problems({"tls": {"cert": str(bad), "key": str(bad)}})
    assert any(line.startswith("mqtt.tls.cert: ") for line in lines), lines
