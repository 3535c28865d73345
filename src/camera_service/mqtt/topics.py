"""The MQTT topic tree (pure). ``<base>`` is ``mqtt.base_topic`` (``camera-service/<host>``).

Retained (state: a subscriber that comes later sees the last value at once)::

    <base>/availability                 online | offline (offline is also the last will)
    <base>/health                       {"status": ..., "components": {...}} (JSON)
    <base>/<camera>/state               the camera object of get_camera_list (JSON)
    <base>/<camera>/connected           ON | OFF
    <base>/<camera>/streams             {"rtsp": ..., "webrtc": ..., "hls": ...} (no secrets)
    <base>/<camera>/recording           ON | OFF
    <base>/<camera>/recording_mode      off | continuous | schedule | motion
    <base>/<camera>/snapshot            the latest snapshot, JPEG bytes
    <base>/<camera>/motion              ON | OFF

Not retained (events: each happened once)::

    <base>/<camera>/recording/event     a recording_status_update's params (JSON)
    <base>/<camera>/snapshot/event      a snapshot_taken's params (JSON)
    <base>/<camera>/motion/event        a motion_event's params (JSON)
    <base>/<camera>/<command>/result    {"command", "ok", ...} for each command received

Commands (subscribed as ``<base>/+/+/set``; each must be in ``mqtt.commands``)::

    <base>/<camera>/snapshot/set        any payload (Home Assistant's button sends PRESS)
    <base>/<camera>/recording/set       ON | OFF
    <base>/<camera>/recording_mode/set  off | continuous | schedule | motion
    <base>/<camera>/motion/set          ON | OFF
"""

from __future__ import annotations

from dataclasses import dataclass

ON, OFF = "ON", "OFF"
ONLINE, OFFLINE = "online", "offline"

STATE_TOPICS = ("state", "connected", "streams", "recording", "recording_mode", "snapshot", "motion")
COMMAND_TOPICS = ("snapshot", "recording", "recording_mode", "motion")


@dataclass(frozen=True)
class Topics:
    base: str

    @property
    def availability(self) -> str:
        return f"{self.base}/availability"

    @property
    def health(self) -> str:
        return f"{self.base}/health"

    @property
    def commands(self) -> str:
        """The one subscription that receives every command."""
        return f"{self.base}/+/+/set"

    def camera(self, camera_id: str, leaf: str) -> str:
        return f"{self.base}/{camera_id}/{leaf}"

    def event(self, camera_id: str, kind: str) -> str:
        return f"{self.base}/{camera_id}/{kind}/event"

    def command(self, camera_id: str, name: str) -> str:
        return f"{self.base}/{camera_id}/{name}/set"

    def result(self, camera_id: str, name: str) -> str:
        return f"{self.base}/{camera_id}/{name}/result"

    def parse_command(self, topic: str) -> tuple[str, str] | None:
        """``(camera_id, command)`` of a ``<base>/<camera>/<command>/set`` topic, else None."""
        prefix = self.base + "/"
        if not topic.startswith(prefix) or not topic.endswith("/set"):
            return None
        parts = topic[len(prefix):-len("/set")].split("/")
        if len(parts) != 2 or not all(parts):
            return None
        return parts[0], parts[1]
