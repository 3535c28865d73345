"""Home Assistant discovery payloads (pure) against the keys Home Assistant documents for
each MQTT platform (data/ha_discovery_keys.json): nothing unknown, nothing required missing,
the device ties the six entities together, and removal empties every config topic."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from camera_service.mqtt import discovery
from camera_service.mqtt.topics import Topics

pytestmark = pytest.mark.unit

KEYS = json.loads((Path(__file__).parent / "data" / "ha_discovery_keys.json").read_text())
TOPICS = Topics("camera-service/pi4")
CAMERA = {"device": "camera0", "status": "CONNECTED", "name": "Front door",
          "streams": {"rtsp": "rtsp://cam.local:8554/camera0"}}  # fmt: skip
ID = re.compile(r"^[a-zA-Z0-9_-]+$")


def configs() -> list[tuple[str, dict[str, Any]]]:
    msgs = discovery.device_configs("homeassistant", TOPICS, CAMERA, "1.2.3", 1)
    assert all(m.retain for m in msgs)
    return [(m.topic, json.loads(m.payload)) for m in msgs]


def check_against_docs(component: str, body: dict[str, Any]) -> None:
    spec = KEYS["components"][component]
    allowed = set(KEYS["common"]) | set(KEYS["discovery_keys"]) | set(spec["keys"])
    assert set(body) <= allowed, f"{component}: keys HA does not document: {set(body) - allowed}"
    for key in spec["required"]:
        assert key in body, f"{component}: required {key} missing"
    assert set(body["device"]) <= set(KEYS["device_keys"])
    assert set(body["origin"]) <= set(KEYS["origin_keys"]) and body["origin"]["name"]
    assert body["availability_mode"] in KEYS["availability_mode"]
    for a in body["availability"]:
        assert set(a) <= set(KEYS["availability_keys"]) and a["topic"]
    if "device_class" in body and "device_class" in spec:
        assert body["device_class"] in spec["device_class"]
    if "entity_category" in body:
        assert body["entity_category"] in KEYS["entity_category"]
    for key, value in body.items():
        if key.endswith("topic"):
            assert "+" not in value and "#" not in value and value.startswith(TOPICS.base + "/")


def test_six_entities_of_one_device_each_as_home_assistant_documents_them() -> None:
    seen = {}
    for topic, body in configs():
        prefix, component, node, object_id, leaf = topic.split("/")
        assert (prefix, leaf) == ("homeassistant", "config")
        assert ID.match(node) and ID.match(object_id)
        check_against_docs(component, body)
        seen[(component, body["unique_id"])] = body
    components = sorted(c for c, _ in seen)
    assert components == ["binary_sensor", "binary_sensor", "button", "camera", "sensor", "switch"]
    devices = {json.dumps(b["device"], sort_keys=True) for b in seen.values()}
    assert len(devices) == 1 and "camera-service_pi4_camera0" in json.loads(devices.pop())["identifiers"]
    assert len({uid for _, uid in seen}) == 6


def test_the_camera_entity_has_no_qos_which_its_documentation_does_not_list() -> None:
    camera = next(b for t, b in configs() if t.startswith("homeassistant/camera/"))
    assert "qos" not in camera and "qos" not in KEYS["components"]["camera"]["keys"]


def test_entities_point_at_the_state_and_command_topics() -> None:
    bodies = {b["unique_id"].rsplit("camera0_", 1)[1]: b for _, b in configs()}
    assert bodies["snapshot"]["topic"] == "camera-service/pi4/camera0/snapshot"
    assert "image_encoding" not in bodies["snapshot"]  # raw JPEG bytes
    assert bodies["connected"]["device_class"] == "connectivity"
    assert bodies["motion"]["state_topic"] == "camera-service/pi4/camera0/motion"
    assert bodies["recording"]["command_topic"] == "camera-service/pi4/camera0/recording/set"
    assert bodies["take_snapshot"]["command_topic"] == "camera-service/pi4/camera0/snapshot/set"
    assert bodies["recording_mode"]["state_topic"] == "camera-service/pi4/camera0/recording_mode"


@pytest.mark.parametrize("key", ["snapshot", "motion", "recording", "take_snapshot", "recording_mode"])
def test_an_unplugged_camera_makes_its_entities_unavailable(key: str) -> None:
    body = next(b for _, b in configs() if b["unique_id"].endswith(f"camera0_{key}"))
    topics = [a["topic"] for a in body["availability"]]
    assert topics == ["camera-service/pi4/availability", "camera-service/pi4/camera0/connected"]
    assert body["availability_mode"] == "all"


def test_connectivity_only_needs_the_service() -> None:
    body = next(b for _, b in configs() if b["unique_id"].endswith("camera0_connected"))
    assert [a["topic"] for a in body["availability"]] == ["camera-service/pi4/availability"]


def test_removal_empties_every_config_topic_retained() -> None:
    gone = discovery.removal("homeassistant", TOPICS, "camera0")
    assert {m.topic for m in gone} == {t for t, _ in configs()}
    assert all(m.payload == b"" and m.retain for m in gone)


def test_node_id_keeps_only_the_characters_home_assistant_allows() -> None:
    assert discovery.node_id("camera-service/pi 4.lan") == "camera-service_pi_4_lan"
