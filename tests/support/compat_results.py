"""Validates RPC results against compat.json's result schemas (the interface existing clients
speak), taken from ``camera_service.rpc.schemas`` (which loads the package's
``rpc/compat.json``, the one copy in the tree)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jsonschema

from camera_service.rpc.schemas import inline_refs, result_schema

FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    """RFC 3339 with a zone (Debian's jsonschema has no date-time checker of its own)."""
    if not isinstance(value, str):
        return True
    when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return when.tzinfo is not None and "T" in value.upper()


def validate_result(method: str, result: Any) -> None:
    """Raises ``jsonschema.ValidationError`` when ``result`` is not a valid result of the compat
    method ``method`` (``date-time`` timestamps checked too)."""
    schema = result_schema(method)
    assert schema is not None, f"{method} is not a compat.json method"
    jsonschema.Draft7Validator(inline_refs(schema), format_checker=FORMATS).validate(result)
