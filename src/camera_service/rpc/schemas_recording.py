"""Result schemas of the recording methods that are ours (compat.json has no such methods):
``set_recording_mode`` / ``get_recording_mode`` (one shape), ``get_recording_timeline``, and
``get_recording_status`` (the reference project's SDK asks it: null when not recording).
Published by ``rpc.discover`` like compat.json's, and checked against real results in
tests/rpc/test_recording_mode_methods.py and tests/rpc/test_compat_contract.py."""

from __future__ import annotations

from typing import Any

_ISO = {"type": "string", "format": "date-time"}
_ISO_OR_NULL = {"anyOf": [_ISO, {"type": "null"}]}
_NUMBER_OR_NULL = {"type": ["number", "null"]}
_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

WINDOW: dict[str, Any] = {
    "type": "object",
    "properties": {
        "days": {"type": "array", "items": {"type": "string", "enum": _DAYS}},
        "start": {"type": "string", "pattern": r"^\d\d:\d\d(:\d\d)?$"},
        "end": {"type": "string", "pattern": r"^\d\d:\d\d(:\d\d)?$"},
    },
    "required": ["days", "start", "end"],
}

RECORDING_MODE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "device": {"type": "string", "pattern": "^camera[0-9]+$"},
        "mode": {"type": "string", "enum": ["off", "continuous", "schedule", "motion"]},
        "schedule": {"type": "array", "items": WINDOW},
        "segment_seconds": {"type": "integer", "minimum": 1},
        "format": {"type": "string", "enum": ["fmp4", "mp4", "mkv"]},
        "retention": {
            "anyOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "properties": {"max_age_days": _NUMBER_OR_NULL, "max_size_gb": _NUMBER_OR_NULL},
                },
            ]
        },
        "source": {"type": "string", "enum": ["api", "config", "default"]},
        "status": {"type": "string", "enum": ["STARTED", "STOPPED", "FAILED"]},
        "phase": {
            "type": "string",
            "enum": ["idle", "recording", "retrying", "waiting_camera", "paused_disk"],
        },
        "reason": {"type": "string"},
        "since": _ISO_OR_NULL,
        "current_file": {"type": ["string", "null"]},
        "buffer": {  # mode "motion": the pre-capture buffer now
            "anyOf": [
                {"type": "null"},
                {
                    "type": "object",
                    "properties": {
                        "seconds": {"type": "number", "minimum": 0},
                        "bytes": {"type": "integer", "minimum": 0},
                        "max_bytes": {"type": "integer", "minimum": 0},
                        "capturing": {"type": "boolean"},
                    },
                    "required": ["seconds", "bytes", "max_bytes", "capturing"],
                },
            ]
        },
    },
    "required": ["device", "mode", "schedule", "segment_seconds", "format", "source", "status", "phase"],
}

_SPAN = {
    "start": {"type": "number"},
    "end": {"type": "number"},
    "start_time": _ISO,
    "end_time": _ISO,
    "duration": {"type": "integer", "minimum": 0},
}

RECORDING_TIMELINE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "device": {"type": "string", "pattern": "^camera[0-9]+$"},
        "ranges": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    **_SPAN,
                    "files": {"type": "array", "items": {"type": "string"}},
                    "open": {"type": "boolean"},
                },
                "required": [*_SPAN, "files", "open"],
            },
        },
        "gaps": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {**_SPAN, "cause": {"type": "string"}},
                "required": [*_SPAN, "cause"],
            },
        },
        "covered": {"type": "integer", "minimum": 0},
    },
    "required": ["device", "ranges", "gaps", "covered"],
}

# the recording in progress (``rpc.present.recording_status``), or null
RECORDING_STATUS: dict[str, Any] = {
    "anyOf": [
        {"type": "null"},
        {
            "type": "object",
            "properties": {
                "device": {"type": "string", "pattern": "^camera[0-9]+$"},
                "filename": {"type": "string"},
                "status": {"type": "string", "enum": ["RECORDING"]},
                "start_time": _ISO,
                "format": {"type": "string", "enum": ["fmp4", "mp4", "mkv"]},
                "duration": {"type": "integer", "minimum": 0},
            },
            "required": ["device", "filename", "status", "start_time", "format", "duration"],
        },
    ]
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "get_recording_status": RECORDING_STATUS,
    "set_recording_mode": RECORDING_MODE,
    "get_recording_mode": RECORDING_MODE,
    "get_recording_timeline": RECORDING_TIMELINE,
}
