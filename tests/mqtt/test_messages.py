"""Topics, state/event messages and commands (pure)."""

from __future__ import annotations

import json

import pytest

from camera_service.mqtt import commands, messages
from camera_service.mqtt.topics import STATE_TOPICS, Topics

pytestmark = pytest.mark.unit

T = Topics("cs/host")


def test_camera_state_is_retained_and_its_stream_urls_keep_no_secret() -> None:
    cam = {"device": "camera1", "status": "CONNECTED", "name": "x",
           "streams": {"rtsp": "rtsp://reader:s3cret@host:8554/camera1", "hls": "http://host:8888/camera1/"}}
    out = {m.topic: m for m in messages.camera_state(T, cam)}
    assert all(m.retain for m in out.values())
    assert out["cs/host/camera1/connected"].payload == b"ON"
    streams = json.loads(out["cs/host/camera1/streams"].payload)
    assert streams["rtsp"] == "rtsp://host:8554/camera1"
    assert b"s3cret" not in out["cs/host/camera1/state"].payload


def test_a_disconnected_camera_is_off() -> None:
    cam = {"device": "camera1", "status": "DISCONNECTED", "name": "x", "streams": {}}
    assert {m.topic: m.payload for m in messages.camera_state(T, cam)}["cs/host/camera1/connected"] == b"OFF"


def test_events_are_not_retained_and_state_is() -> None:
    assert not messages.event(T, "camera0", "recording", {"status": "STARTED"}).retain
    assert messages.recording_state(T, "camera0", True).retain
    assert messages.motion_state(T, "camera0", True).payload == b"ON"
    assert messages.availability(T, False) == messages.Message("cs/host/availability", b"offline", True)


def test_clearing_a_camera_empties_each_state_topic() -> None:
    cleared = messages.cleared(T, "camera2")
    assert [m.topic.rsplit("/", 1)[1] for m in cleared] == list(STATE_TOPICS)
    assert all(m.payload == b"" and m.retain for m in cleared)


@pytest.mark.parametrize(("topic", "motion"), [("motion.started", True), ("motion.updated", True),
                                               ("motion.ended", False), ("camera.status", None)])
def test_motion_topics_of_issue_21(topic: str, motion: bool | None) -> None:
    assert messages.motion_change(topic) is motion


@pytest.mark.parametrize(("topic", "parsed"), [
    ("cs/host/camera0/recording/set", ("camera0", "recording")),
    ("cs/host/camera0/set", None),
    ("cs/host/camera0/a/b/set", None),
    ("cs/other/camera0/recording/set", None),
    ("cs/host//recording/set", None),
])  # fmt: skip
def test_command_topics(topic: str, parsed: tuple[str, str] | None) -> None:
    assert T.parse_command(topic) == parsed


def test_nothing_is_allowed_by_default() -> None:
    with pytest.raises(commands.Refused, match="not allowed"):
        commands.parse("camera0", "snapshot", b"PRESS", ())


@pytest.mark.parametrize(("name", "payload", "value"), [
    ("snapshot", b"PRESS", ""), ("recording", b"on", "ON"), ("recording", b"OFF", "OFF"),
    ("recording_mode", b"continuous", "continuous"), ("motion", b" ON\n", "ON"),
])  # fmt: skip
def test_allowed_commands_parse(name: str, payload: bytes, value: str) -> None:
    allowed = ("snapshot", "recording", "recording_mode", "motion")
    assert commands.parse("camera0", name, payload, allowed) == commands.Command("camera0", name, value)


@pytest.mark.parametrize(("name", "payload", "why"), [
    ("recording", b"maybe", "expected ON or OFF"), ("recording_mode", b"always", "expected one of"),
    ("reboot", b"", "unknown command"), ("recording", b"\xff\xfe", "not UTF-8"),
    ("recording", b"O" * 1000, "longer than"),
])  # fmt: skip
def test_bad_commands_are_refused_with_a_reason(name: str, payload: bytes, why: str) -> None:
    with pytest.raises(commands.Refused, match=why):
        commands.parse("camera0", name, payload, ("recording", "recording_mode"))
