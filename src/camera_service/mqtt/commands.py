"""Commands received on ``<base>/<camera>/<command>/set`` (pure): parse the payload, check
the allow-list (``mqtt.commands``, none by default: the broker's users are not the API's),
and shape the result published on ``.../result``."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from ..recording_modes import MODES
from .topics import OFF, ON

MAX_PAYLOAD = 256  # bytes; a command's payload is a word


@dataclass(frozen=True)
class Command:
    camera_id: str
    name: str  # snapshot | recording | recording_mode | motion
    value: str  # ON/OFF, a mode name, or "" for snapshot


class Refused(Exception):
    """A command that is not run; ``reason`` says why (sent back as the result)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse(camera_id: str, name: str, payload: bytes, allowed: Collection[str]) -> Command:
    """The command, or ``Refused`` (not allowed, unknown, bad payload). The allow-list is
    checked first, so a refused command's payload is never looked at."""
    if name not in ("snapshot", "recording", "recording_mode", "motion"):
        raise Refused(f"unknown command '{name}'")
    if name not in allowed:
        raise Refused(f"command '{name}' is not allowed (mqtt.commands)")
    if len(payload) > MAX_PAYLOAD:
        raise Refused(f"payload longer than {MAX_PAYLOAD} bytes")
    try:
        text = payload.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise Refused("payload is not UTF-8 text") from None
    if name == "snapshot":
        return Command(camera_id, name, "")
    if name in ("recording", "motion"):
        word = text.upper()
        if word not in (ON, OFF):
            raise Refused(f"expected ON or OFF, got {text[:32]!r}")
        return Command(camera_id, name, word)
    if text not in MODES:
        raise Refused(f"expected one of {', '.join(MODES)}, got {text[:32]!r}")
    return Command(camera_id, name, text)


def result(name: str, ok: bool, **fields: Any) -> dict[str, Any]:
    return {"command": name, "ok": ok, **fields}
