"""The OpenRPC 1.2 document of the API, generated from a method table that the caller
passes in (``methods.METHODS``): this module knows the shape of an entry (``Described``),
not the table, so the dependency points one way (methods → openrpc)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from .auth import Role
from .errors import (
    AUTH_FAILED,
    DEPENDENCY_FAILED,
    INVALID_STATE,
    NOT_FOUND,
    PERMISSION_DENIED,
    RATE_LIMITED,
    UNSUPPORTED,
)
from .params import Param
from .schemas import NOTIFICATIONS, SCHEMAS, rebase_refs


class Described(Protocol):
    """What the document needs of one method-table entry."""

    @property
    def name(self) -> str: ...
    @property
    def role(self) -> Role | None: ...
    @property
    def summary(self) -> str: ...
    @property
    def params(self) -> Sequence[Param]: ...
    @property
    def result(self) -> str: ...
    @property
    def result_schema(self) -> dict[str, Any] | None: ...

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


def _method(m: Described) -> dict[str, Any]:
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


def document(methods: Iterable[Described], version: str) -> dict[str, Any]:
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
            for name, n in NOTIFICATIONS.items()
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
