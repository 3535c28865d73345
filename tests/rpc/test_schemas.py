"""``rpc.schemas`` is compat.json as Python data, and the method table and ``rpc.discover``
carry it: every compat method has its result schema, the notifications are published."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from camera_service.rpc import schemas
from camera_service.rpc.methods import METHODS
from camera_service.rpc.openrpc import document

pytestmark = pytest.mark.unit

COMPAT = Path(__file__).resolve().parent / "data" / "compat.json"


def compat() -> dict[str, Any]:
    return dict(json.loads(COMPAT.read_text(encoding="utf-8")))


def test_schemas_module_equals_the_vendored_compat_json() -> None:
    spec = compat()
    assert schemas.METHODS == spec["methods"]
    assert schemas.NOTIFICATIONS == spec["notifications"]
    assert schemas.SCHEMAS == spec["schemas"]
    assert schemas.ERRORS == spec["errors"]
    assert len(schemas.METHODS) == 34


def test_every_method_of_the_table_carries_its_compat_result_schema() -> None:
    for name, entry in schemas.METHODS.items():
        if name in METHODS:  # methods of other parts of the API join the table as they land
            assert METHODS[name].result_schema == entry["result"], name


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
    assert [n["name"] for n in doc["x-notifications"]] == [*schemas.NOTIFICATIONS, "motion_event"]
    refs = {
        part.split('"')[0]
        for part in json.dumps(doc).split('"$ref": "#/components/')[1:]
    }
    for ref in refs:  # every ref points into the document
        section, name = ref.split("/")
        assert name in doc["components"][section], ref
