"""The result schemas of the stream methods, copied from ``../shared/spec/compat.json`` (the
interface existing clients speak), for the tests to validate our results with jsonschema.
``$ref``s point into ``SCHEMAS`` as they point into compat.json's ``schemas``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jsonschema

SCHEMAS: dict[str, Any] = {
    "DeviceId": {
        "type": "string",
        "pattern": "^camera[0-9]+$"
    },
    "IsoTimestamp": {
        "type": "string",
        "format": "date-time"
    },
    "StreamStart": {
        "type": "object",
        "properties": {
            "device": {
                "$ref": "#/schemas/DeviceId"
            },
            "stream_name": {
                "type": "string"
            },
            "stream_url": {
                "type": "string"
            },
            "status": {
                "type": "string",
                "enum": [
                    "STARTED",
                    "FAILED"
                ]
            },
            "start_time": {
                "$ref": "#/schemas/IsoTimestamp"
            },
            "auto_close_after": {
                "type": "string"
            }
        },
        "required": [
            "device",
            "status",
            "start_time",
            "stream_url"
        ]
    },
    "StreamStop": {
        "type": "object",
        "properties": {
            "device": {
                "$ref": "#/schemas/DeviceId"
            },
            "stream_name": {
                "type": "string"
            },
            "status": {
                "type": "string",
                "enum": [
                    "STOPPED",
                    "FAILED"
                ]
            },
            "start_time": {
                "$ref": "#/schemas/IsoTimestamp"
            },
            "end_time": {
                "$ref": "#/schemas/IsoTimestamp"
            },
            "duration": {
                "type": "integer"
            },
            "stream_continues": {
                "type": "boolean"
            }
        },
        "required": [
            "device",
            "status",
            "end_time"
        ]
    },
    "StreamStatus": {
        "type": "object",
        "properties": {
            "device": {
                "$ref": "#/schemas/DeviceId"
            },
            "stream_name": {
                "type": "string"
            },
            "status": {
                "type": "string",
                "enum": [
                    "ACTIVE",
                    "INACTIVE",
                    "ERROR",
                    "STARTING",
                    "STOPPING"
                ]
            },
            "ready": {
                "type": "boolean"
            },
            "ffmpeg_process": {
                "type": "object",
                "properties": {
                    "running": {
                        "type": "boolean"
                    },
                    "pid": {
                        "type": "integer"
                    },
                    "uptime": {
                        "type": "integer"
                    }
                }
            },
            "mediamtx_path": {
                "type": "object",
                "properties": {
                    "exists": {
                        "type": "boolean"
                    },
                    "ready": {
                        "type": "boolean"
                    },
                    "readers": {
                        "type": "integer"
                    }
                }
            },
            "metrics": {
                "type": "object",
                "properties": {
                    "bytes_sent": {
                        "type": "integer"
                    },
                    "frames_sent": {
                        "type": "integer"
                    },
                    "bitrate": {
                        "type": "integer"
                    },
                    "fps": {
                        "type": "integer"
                    }
                }
            },
            "start_time": {
                "$ref": "#/schemas/IsoTimestamp"
            }
        },
        "required": [
            "device",
            "status"
        ]
    },
    "StreamInfo": {
        "type": "object",
        "properties": {
            "name": {
                "type": "string"
            },
            "source": {
                "type": "string"
            },
            "ready": {
                "type": "boolean"
            },
            "readers": {
                "type": "integer"
            },
            "bytes_sent": {
                "type": "integer"
            }
        },
        "required": [
            "name",
            "ready"
        ]
    }
}

RESULTS: dict[str, Any] = {
    "start_streaming": {
        "$ref": "#/schemas/StreamStart"
    },
    "stop_streaming": {
        "$ref": "#/schemas/StreamStop"
    },
    "get_stream_status": {
        "$ref": "#/schemas/StreamStatus"
    },
    "get_stream_url": {
        "type": "object",
        "properties": {
            "device": {
                "$ref": "#/schemas/DeviceId"
            },
            "stream_name": {
                "type": "string"
            },
            "stream_url": {
                "type": "string"
            },
            "available": {
                "type": "boolean"
            },
            "active_consumers": {
                "type": "integer"
            },
            "stream_status": {
                "type": "string",
                "enum": [
                    "READY",
                    "NOT_READY",
                    "ERROR"
                ]
            }
        },
        "required": [
            "device",
            "stream_url",
            "available"
        ]
    },
    "get_streams": {
        "type": "array",
        "items": {
            "$ref": "#/schemas/StreamInfo"
        }
    }
}


FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    """RFC 3339 with a zone (Debian's jsonschema has no date-time checker of its own)."""
    if not isinstance(value, str):
        return True
    when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return when.tzinfo is not None and "T" in value.upper()


def validate_result(method: str, result: Any) -> None:
    """Raises ``jsonschema.ValidationError`` when ``result`` is not a valid result of
    ``method`` (``date-time`` timestamps checked too)."""
    schema = {**RESULTS[method], "schemas": SCHEMAS}
    jsonschema.Draft202012Validator(schema, format_checker=FORMATS).validate(result)
