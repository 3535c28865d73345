"""Home Assistant MQTT discovery (pure): one device per camera with six entities, each a
retained ``<prefix>/<component>/<node>/<object>/config`` JSON, and the empty retained
payloads that remove them when the camera goes.

Keys follow Home Assistant's MQTT documentation of each component (camera, binary_sensor,
switch, button, sensor; ``tests/mqtt/data/ha_discovery_keys.json`` lists the keys each
component accepts, and the tests hold every payload to it). Every entity is available
while the service is online *and* the camera is connected (``availability_mode: all``),
except the connectivity sensor itself, which only needs the service.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .messages import Message, dumps
from .topics import OFF, OFFLINE, ON, ONLINE, Topics

SAFE_ID = re.compile(r"[^a-zA-Z0-9_-]")


@dataclass(frozen=True)
class Entity:
    component: str  # Home Assistant's platform: camera, binary_sensor, switch, button, sensor
    key: str  # what it shows: snapshot, connected, motion, recording, ...
    name: str


ENTITIES = (
    Entity("camera", "snapshot", "Snapshot"),
    Entity("binary_sensor", "connected", "Connected"),
    Entity("binary_sensor", "motion", "Motion"),
    Entity("switch", "recording", "Recording"),
    Entity("button", "take_snapshot", "Take snapshot"),
    Entity("sensor", "recording_mode", "Recording mode"),
)


def node_id(base_topic: str) -> str:
    """The discovery topics' ``<node_id>``: the base topic, only ``[a-zA-Z0-9_-]``."""
    return SAFE_ID.sub("_", base_topic)


def config_topic(prefix: str, node: str, camera_id: str, entity: Entity) -> str:
    return f"{prefix}/{entity.component}/{node}/{camera_id}_{entity.key}/config"


def _device(node: str, camera: Mapping[str, Any], version: str) -> dict[str, Any]:
    cid = str(camera["device"])
    return {
        "identifiers": [f"{node}_{cid}"],
        "name": str(camera.get("name") or cid),
        "manufacturer": "camera-service",
        "model": "camera",
        "sw_version": version,
    }


def _availability(topics: Topics, cid: str, with_camera: bool) -> dict[str, Any]:
    service = {"topic": topics.availability, "payload_available": ONLINE,
               "payload_not_available": OFFLINE}  # fmt: skip
    if not with_camera:
        return {"availability": [service], "availability_mode": "all"}
    camera = {"topic": topics.camera(cid, "connected"), "payload_available": ON,
              "payload_not_available": OFF}  # fmt: skip
    return {"availability": [service, camera], "availability_mode": "all"}


def entity_config(
    topics: Topics, node: str, camera: Mapping[str, Any], entity: Entity, version: str, qos: int
) -> dict[str, Any]:
    cid = str(camera["device"])
    out: dict[str, Any] = {
        "name": entity.name,
        "unique_id": f"{node}_{cid}_{entity.key}",
        "object_id": f"{cid}_{entity.key}",
        "device": _device(node, camera, version),
        "origin": {"name": "camera-service", "sw_version": version},
        **_availability(topics, cid, with_camera=entity.key != "connected"),
    }
    if entity.component != "camera":  # the MQTT camera documents no qos
        out["qos"] = qos
    if entity.key == "snapshot":
        out["topic"] = topics.camera(cid, "snapshot")
    elif entity.key == "connected":
        out |= {"state_topic": topics.camera(cid, "connected"), "payload_on": ON, "payload_off": OFF,
                "device_class": "connectivity", "entity_category": "diagnostic"}
    elif entity.key == "motion":
        out |= {"state_topic": topics.camera(cid, "motion"), "payload_on": ON, "payload_off": OFF,
                "device_class": "motion"}
    elif entity.key == "recording":
        out |= {"state_topic": topics.camera(cid, "recording"),
                "command_topic": topics.command(cid, "recording"),
                "payload_on": ON, "payload_off": OFF, "state_on": ON, "state_off": OFF,
                "optimistic": False, "retain": False, "icon": "mdi:record-rec"}
    elif entity.key == "take_snapshot":
        out |= {"command_topic": topics.command(cid, "snapshot"), "payload_press": "PRESS",
                "retain": False, "icon": "mdi:camera"}
    elif entity.key == "recording_mode":
        out |= {"state_topic": topics.camera(cid, "recording_mode"), "icon": "mdi:calendar-clock",
                "entity_category": "diagnostic"}
    return out


def device_configs(
    prefix: str, topics: Topics, camera: Mapping[str, Any], version: str, qos: int
) -> list[Message]:
    """The retained discovery configs of one camera (``rpc.present.camera_object``)."""
    node, cid = node_id(topics.base), str(camera["device"])
    out = []
    for e in ENTITIES:
        body = entity_config(topics, node, camera, e, version, qos)
        out.append(Message(config_topic(prefix, node, cid, e), dumps(body), True))
    return out


def removal(prefix: str, topics: Topics, camera_id: str) -> list[Message]:
    """Empty retained configs: Home Assistant removes the entities (and the device)."""
    node = node_id(topics.base)
    return [Message(config_topic(prefix, node, camera_id, e), b"", True) for e in ENTITIES]
