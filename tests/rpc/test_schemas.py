"""``rpc.schemas`` loads compat.json, the package's one copy (``rpc/compat.json``, package
data: the wheel and the .deb ship it), and the method table and ``rpc.discover`` carry it:
every compat method has its result schema, the notifications are published."""

from __future__ import annotations

import configparser
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from camera_service.rpc import schemas
from camera_service.rpc.methods import ACTS, METHODS, SUCCESS_SCHEMA
from camera_service.rpc.openrpc import document

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
COMPAT = ROOT / "src" / "camera_service" / "rpc" / schemas.FILE


def test_schemas_are_the_package_compat_json() -> None:
    spec: dict[str, Any] = json.loads(COMPAT.read_text(encoding="utf-8"))
    assert schemas.METHODS == spec["methods"]
    assert schemas.NOTIFICATIONS == spec["notifications"]
    assert schemas.SCHEMAS == spec["schemas"]
    assert schemas.ERRORS == spec["errors"]
    assert len(schemas.METHODS) == 34 and set(schemas.NOTIFICATIONS) == {
        "camera_status_update", "recording_status_update"}


def test_compat_json_is_the_only_copy_and_ships_as_package_data() -> None:
    copies = [p for p in ROOT.rglob("compat.json")
              if not ({".git", ".venv", "build", ".pybuild", "debian"} & set(p.relative_to(ROOT).parts))]
    assert copies == [COMPAT]
    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg")
    shipped = setup["options.package_data"]["camera_service"].split()
    assert "rpc/" + schemas.FILE in shipped  # pybuild builds the .deb from setup.cfg


def test_every_method_of_the_table_carries_its_compat_result_schema() -> None:
    for name, entry in schemas.METHODS.items():
        schema = METHODS[name].result_schema
        if name in ACTS:  # compat's result and the extra success: true
            assert schema == {"allOf": [entry["result"], SUCCESS_SCHEMA]}, name
        else:
            assert schema == entry["result"], name


def test_acting_methods_are_in_the_table_and_marked() -> None:
    assert ACTS <= set(METHODS)
    assert {m.name for m in METHODS.values() if m.acts} == ACTS
    assert {"take_snapshot", "start_recording", "stop_recording"} <= ACTS
    assert not ACTS & {"authenticate", "subscribe_events", "get_recording_status", "list_recordings"}


def test_inlined_schemas_are_valid_json_schema_without_refs() -> None:
    for name, entry in {**schemas.METHODS, **schemas.NOTIFICATIONS}.items():
        inlined = schemas.inline_refs(entry["result"])
        jsonschema.Draft7Validator.check_schema(inlined)
        assert "$ref" not in json.dumps(inlined), name
    camera = schemas.inline_refs({"$ref": "#/schemas/Camera"})
    jsonschema.validate({"device": "camera0", "status": "CONNECTED"}, camera)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"device": "/dev/video0", "status": "CONNECTED"}, camera)


def test_discover_publishes_result_schemas_notifications_and_shared_schemas() -> None:
    doc = document(METHODS.values(), "1.0.0")
    by_name = {m["name"]: m for m in doc["methods"]}
    assert by_name["get_status"]["result"]["schema"] == {"$ref": "#/components/schemas/StatusResult"}
    assert set(doc["components"]["schemas"]) == set(schemas.SCHEMAS)
    assert [n["name"] for n in doc["x-notifications"]] == list(schemas.NOTIFICATIONS)
    refs = {
        part.split('"')[0]
        for part in json.dumps(doc).split('"$ref": "#/components/')[1:]
    }
    for ref in refs:  # every ref points into the document
        section, name = ref.split("/")
        assert name in doc["components"][section], ref
