"""compat.json's interface, loaded from the copy shipped beside this module (package data,
``rpc/compat.json``): every method's params and result schema, the notifications and the
shared schemas (``#/schemas/...`` refs resolve into ``SCHEMAS``).

These are the names and shapes existing clients speak. The method table takes each compat
method's result schema from here, and ``rpc.discover`` publishes them with the
notifications. The file is the one copy in the tree: the tests validate against it too
(``tests/rpc/test_schemas.py`` checks its shape). When the spec changes, replace the file.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

FILE = "compat.json"


def _load() -> dict[str, Any]:
    text = resources.files(__package__ or "camera_service.rpc").joinpath(FILE).read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


COMPAT: dict[str, Any] = _load()
METHODS: dict[str, Any] = COMPAT["methods"]
NOTIFICATIONS: dict[str, Any] = COMPAT["notifications"]
SCHEMAS: dict[str, Any] = COMPAT["schemas"]
ERRORS: dict[str, Any] = COMPAT["errors"]


def result_schema(method: str) -> dict[str, Any] | None:
    """The result schema of a compat method (refs into ``SCHEMAS`` left as they are)."""
    entry = METHODS.get(method)
    return entry["result"] if entry is not None else None


REF_PREFIX = "#/schemas/"


def inline_refs(schema: Any) -> Any:
    """``schema`` with every ``{"$ref": "#/schemas/X"}`` replaced by ``SCHEMAS["X"]`` (itself
    inlined): a self-contained JSON Schema any validator takes as it is."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX):
            return inline_refs(SCHEMAS[ref.removeprefix(REF_PREFIX)])
        return {k: inline_refs(v) for k, v in schema.items()}
    if isinstance(schema, list):
        return [inline_refs(v) for v in schema]
    return schema


def rebase_refs(schema: Any, prefix: str) -> Any:
    """``schema`` with its ``#/schemas/`` refs pointing under ``prefix`` instead (OpenRPC
    keeps shared schemas under ``#/components/schemas/``)."""
    if isinstance(schema, dict):
        return {
            k: prefix + v.removeprefix(REF_PREFIX)
            if k == "$ref" and isinstance(v, str) and v.startswith(REF_PREFIX)
            else rebase_refs(v, prefix)
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [rebase_refs(v, prefix) for v in schema]
    return schema
