"""The OpenRPC 1.2 document of the API, generated from the method table."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .errors import (
    AUTH_FAILED,
    DEPENDENCY_FAILED,
    INVALID_STATE,
    NOT_FOUND,
    PERMISSION_DENIED,
    RATE_LIMITED,
    UNSUPPORTED,
)
from .schemas import NOTIFICATIONS, SCHEMAS, rebase_refs
from .schemas_motion import NOTIFICATIONS as MOTION_NOTIFICATIONS

if TYPE_CHECKING:
    from .methods import Method

REFS = "#/components/schemas/"

VENDOR_ERRORS = {
    "AuthFailed": (AUTH_FAILED, "authentication failed or token expired", ["reason"]),
    "PermissionDenied": (PERMISSION_DENIED, "permission denied", ["required_role", "have_role"]),
    "NotFound": (NOT_FOUND, "camera or file not found", ["resource", "id"]),
    "InvalidState": (INVALID_STATE, "invalid state", ["state"]),
    "Unsupported": (UNSUPPORTED, "unsupported", ["feature"]),
    "RateLimited": (RATE_LIMITED, "rate limited", ["retry_after_ms"]),
    "DependencyFailed": (DEPENDENCY_FAILED, "dependency failed", ["dependency", "detail"]),
}


def _method(m: Method) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": m.name,
        "summary": m.summary,
        "paramStructure": "either",
        "params": [
            {
                "name": p.name,
                "required": p.required,
                "schema": p.schema(),
                **({"description": p.description} if p.description else {}),
            }
            for p in m.params
        ],
        "result": {"name": "result", "schema": rebase_refs(m.result_schema or {"type": m.result}, REFS)},
        "x-required-role": m.role.label if m.role else None,
    }
    errors = ["RateLimited"]
    if m.role is not None:
        errors += ["AuthFailed", "PermissionDenied"]
    if any(p.name == "device" for p in m.params) or any(p.name == "filename" for p in m.params):
        errors.append("NotFound")
    if m.role is not None and m.name not in ("subscribe_events", "unsubscribe_events"):
        errors.append("DependencyFailed")
    out["errors"] = [{"$ref": f"#/components/errors/{e}"} for e in errors]
    return out


def document(methods: Iterable[Method], version: str) -> dict[str, Any]:
    return {
        "openrpc": "1.2.6",
        "info": {
            "title": "Camera service API",
            "version": version,
            "description": "JSON-RPC 2.0 over WebSocket at /ws; authenticate first.",
        },
        "servers": [{"name": "websocket", "url": "/ws"}],
        "methods": [_method(m) for m in methods],
        # OpenRPC has no notifications: what the server sends unasked, in the shape of a method
        "x-notifications": [
            {"name": name, "params": rebase_refs(n["params"], REFS), "result": n["result"]}
            for name, n in {**NOTIFICATIONS, **MOTION_NOTIFICATIONS}.items()
        ],
        "components": {
            "schemas": rebase_refs(SCHEMAS, REFS),
            "errors": {
                name: {
                    "code": code,
                    "message": message,
                    "data": {
                        "type": "object",
                        "required": fields,
                        "properties": {f: {} for f in fields},
                    },
                }
                for name, (code, message, fields) in VENDOR_ERRORS.items()
            }
        },
    }
