"""``rpc.discover`` describes exactly the method table, in OpenRPC shape."""

from __future__ import annotations

import jsonschema
import pytest

from camera_service.rpc.methods import METHODS
from camera_service.rpc.openrpc import document

pytestmark = pytest.mark.contract


def test_document_lists_every_method_with_its_params() -> None:
    doc = document(METHODS.values(), "1.2.3")
    assert doc["openrpc"].startswith("1.") and doc["info"]["version"] == "1.2.3"
    by_name = {m["name"]: m for m in doc["methods"]}
    assert set(by_name) == set(METHODS)
    for name, method in METHODS.items():
        described = by_name[name]
        assert [p["name"] for p in described["params"]] == [p.name for p in method.params]
        assert described["x-required-role"] == (method.role.label if method.role else None)
        for p in described["params"]:
            jsonschema.Draft7Validator.check_schema(p["schema"])
    codes = {e["code"] for e in doc["components"]["errors"].values()}
    assert codes == {-32001, -32002, -32010, -32020, -32030, -32040, -32050}


def test_param_schemas_accept_what_the_checks_accept() -> None:
    schema = {p.name: p.schema() for p in METHODS["start_recording"].params}
    jsonschema.validate("mkv", schema["format"])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate("avi", schema["format"])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(0, schema["duration"])
