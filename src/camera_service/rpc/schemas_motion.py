"""Result schemas of the motion methods and the ``motion_event`` notification (ours:
compat.json has none of them). Published by ``rpc.discover``; checked against real results
in tests/rpc/test_motion_methods.py."""

from __future__ import annotations

from typing import Any

_ISO = {"type": "string", "format": "date-time"}
_ISO_OR_NULL = {"anyOf": [_ISO, {"type": "null"}]}
_URL_OR_NULL = {"type": ["string", "null"]}
_DEVICE = {"type": "string", "pattern": "^camera[0-9]+$"}
_POINT = {
    "type": "array",
    "items": {"type": "number", "minimum": 0, "maximum": 1},
    "minItems": 2,
    "maxItems": 2,
}
_REGION = {
    "anyOf": [
        {"type": "null"},
        {
            "type": "object",
            "properties": {k: {"type": "number"} for k in ("x", "y", "w", "h")},
            "required": ["x", "y", "w", "h"],
        },
    ]
}

MOTION_CONFIG: dict[str, Any] = {
    "type": "object",
    "properties": {
        "device": _DEVICE,
        "enabled": {"type": "boolean"},
        "threshold": {"type": "integer", "minimum": 1, "maximum": 255},
        "min_area": {"type": "number"},
        "masks": {"type": "array", "items": {"type": "array", "items": _POINT, "minItems": 3}},
        "confirm_frames": {"type": "integer", "minimum": 1},
        "quiet_seconds": {"type": "number"},
        "pre_capture": {"type": "number"},
        "post_capture": {"type": "number"},
        "source": {"type": "string", "enum": ["api", "config", "default"]},
        "state": {"type": "string"},
        "active_event": {"type": ["string", "null"]},
    },
    "required": [
        "device", "enabled", "threshold", "min_area", "masks", "confirm_frames", "quiet_seconds",
        "pre_capture", "post_capture", "source", "state", "active_event",
    ],
}  # fmt: skip

EVENT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "event_id": {"type": "string"},
        "device": _DEVICE,
        "status": {"type": "string", "enum": ["active", "ended"]},
        "start": {"type": "number"},
        "end": {"type": ["number", "null"]},
        "start_time": _ISO,
        "end_time": _ISO_OR_NULL,
        "duration": {"type": "number", "minimum": 0},
        "score": {"type": "number", "minimum": 0},
        "peak_time": _ISO,
        "region": _REGION,
        "cause": {"type": "string"},
        "snapshot_url": _URL_OR_NULL,
        "thumbnail_url": _URL_OR_NULL,
        "clip": {
            "type": "object",
            "properties": {
                "start": {"type": "number"},
                "end": {"type": "number"},
                "start_time": _ISO,
                "end_time": _ISO,
                "files": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "filename": {"type": "string"},
                            "download_url": {"type": "string"},
                            "start": {"type": "number"},  # the wall time the file covers
                            "end": {"type": "number"},
                        },
                        "required": ["filename", "download_url", "start", "end"],
                    },
                },
            },
            "required": ["start", "end", "start_time", "end_time", "files"],
        },
    },
    "required": [
        "event_id", "device", "status", "start", "end", "start_time", "end_time", "duration",
        "score", "peak_time", "region", "cause", "snapshot_url", "thumbnail_url", "clip",
    ],
}  # fmt: skip

EVENT_LIST: dict[str, Any] = {
    "type": "object",
    "properties": {
        "events": {"type": "array", "items": EVENT},
        "total": {"type": "integer", "minimum": 0},
        "limit": {"type": "integer"},
        "offset": {"type": "integer"},
    },
    "required": ["events", "total", "limit", "offset"],
}

DELETED: dict[str, Any] = {
    "type": "object",
    "properties": {"deleted": {"type": "boolean"}, "event_id": {"type": "string"}},
    "required": ["deleted", "event_id"],
}

# the params of the motion_event notification (rpc.discover: x-notifications)
MOTION_EVENT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "device": _DEVICE,
        "event_id": {"type": "string"},
        "status": {"type": "string", "enum": ["started", "updated", "ended"]},
        "start_time": _ISO,
        "end_time": _ISO_OR_NULL,
        "score": {"type": "number", "minimum": 0},
        "region": _REGION,
        "cause": {"type": "string"},
    },
    "required": ["device", "event_id", "status", "start_time", "end_time", "score", "region"],
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "get_motion_config": MOTION_CONFIG,
    "set_motion_config": MOTION_CONFIG,
    "list_events": EVENT_LIST,
    "get_event": EVENT,
    "delete_event": DELETED,
}

NOTIFICATIONS: dict[str, Any] = {
    "motion_event": {
        "params": [
            {"name": name, "required": name in MOTION_EVENT["required"], "schema": schema}
            for name, schema in MOTION_EVENT["properties"].items()
        ],
        "result": {"type": "null"},
    }
}
