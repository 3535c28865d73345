"""What the service publishes, as ``Message`` values built from the service's own events
(pure: no I/O). Retained for state, not retained for events."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .topics import OFF, ON, STATE_TOPICS, Topics


@dataclass(frozen=True)
class Message:
    topic: str
    payload: bytes
    retain: bool


def dumps(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode()


def on_off(value: bool) -> bytes:
    return (ON if value else OFF).encode()


def public_url(url: str) -> str:
    """``url`` without its user and password (a stream URL sent to a broker keeps no secret)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def public_streams(streams: Mapping[str, Any]) -> dict[str, str]:
    return {k: public_url(str(v)) for k, v in streams.items() if isinstance(v, str)}


def camera_state(topics: Topics, camera: Mapping[str, Any]) -> list[Message]:
    """The retained state of one camera object (``rpc.present.camera_object``)."""
    cid = str(camera["device"])
    obj = dict(camera)
    streams = public_streams(obj.get("streams") or {})
    obj["streams"] = streams
    return [
        Message(topics.camera(cid, "state"), dumps(obj), True),
        Message(topics.camera(cid, "connected"), on_off(obj.get("status") == "CONNECTED"), True),
        Message(topics.camera(cid, "streams"), dumps(streams), True),
    ]


def recording_state(topics: Topics, camera_id: str, recording: bool) -> Message:
    return Message(topics.camera(camera_id, "recording"), on_off(recording), True)


def recording_mode(topics: Topics, camera_id: str, mode: str) -> Message:
    return Message(topics.camera(camera_id, "recording_mode"), mode.encode(), True)


def motion_state(topics: Topics, camera_id: str, moving: bool) -> Message:
    return Message(topics.camera(camera_id, "motion"), on_off(moving), True)


def snapshot_image(topics: Topics, camera_id: str, jpeg: bytes) -> Message:
    return Message(topics.camera(camera_id, "snapshot"), jpeg, True)


def event(topics: Topics, camera_id: str, kind: str, params: Mapping[str, Any]) -> Message:
    return Message(topics.event(camera_id, kind), dumps(dict(params)), False)


def availability(topics: Topics, online: bool) -> Message:
    return Message(topics.availability, b"online" if online else b"offline", True)


def health(topics: Topics, status: str, components: Mapping[str, Mapping[str, Any]]) -> Message:
    return Message(topics.health, dumps({"status": status, "components": dict(components)}), True)


def cleared(topics: Topics, camera_id: str) -> list[Message]:
    """Empty retained payloads: the broker forgets every state topic of a camera that went."""
    return [Message(topics.camera(camera_id, leaf), b"", True) for leaf in STATE_TOPICS]


MOTION_ON = ("motion.started", "motion.updated")
MOTION_OFF = ("motion.ended",)


def motion_change(topic: str) -> bool | None:
    """ON/OFF of a ``motion.*`` notification topic (issue 21's ``motion_event``), else None."""
    if topic in MOTION_ON:
        return True
    if topic in MOTION_OFF:
        return False
    return None
