"""compat.json's result schemas of the external-stream methods (copied from
``../shared/spec/compat.json``, the interface existing clients speak), and a checker.

``check(method, result)`` validates a result with jsonschema (Draft 7); ``$ref``s of the form
``#/schemas/Name`` resolve against ``SCHEMAS`` as in compat.json.
"""

from __future__ import annotations

from typing import Any

import jsonschema

RESULTS: dict[str, Any] = {
    "add_external_stream": {
        "type": "object",
        "properties": {
            "stream_url": {
                "type": "string"
            },
            "stream_name": {
                "type": "string"
            },
            "stream_type": {
                "type": "string"
            },
            "status": {
                "type": "string",
                "enum": [
                    "ADDED",
                    "ERROR"
                ]
            },
            "timestamp": {
                "$ref": "#/schemas/IsoTimestamp"
            }
        },
        "required": [
            "stream_url",
            "stream_name",
            "status"
        ]
    },
    "remove_external_stream": {
        "type": "object",
        "properties": {
            "stream_url": {
                "type": "string"
            },
            "status": {
                "type": "string",
                "enum": [
                    "REMOVED",
                    "ERROR"
                ]
            },
            "timestamp": {
                "$ref": "#/schemas/IsoTimestamp"
            }
        },
        "required": [
            "stream_url",
            "status"
        ]
    },
    "get_external_streams": {
        "$ref": "#/schemas/ExternalStreamsResult"
    },
    "discover_external_streams": {
        "$ref": "#/schemas/ExternalStreamDiscoveryResult"
    },
    "set_discovery_interval": {
        "$ref": "#/schemas/DiscoveryIntervalResult"
    }
}

SCHEMAS: dict[str, Any] = {
    "ExternalStream": {
        "type": "object",
        "properties": {
            "url": {
                "type": "string"
            },
            "type": {
                "type": "string"
            },
            "name": {
                "type": "string"
            },
            "status": {
                "type": "string",
                "enum": [
                    "DISCOVERED",
                    "ERROR"
                ]
            },
            "discovered_at": {
                "$ref": "#/schemas/IsoTimestamp"
            },
            "last_seen": {
                "$ref": "#/schemas/IsoTimestamp"
            },
            "capabilities": {
                "type": "object"
            }
        }
    },
    "ExternalStreamsResult": {
        "type": "object",
        "properties": {
            "external_streams": {
                "type": "array",
                "items": {
                    "$ref": "#/schemas/ExternalStream"
                }
            },
            "skydio_streams": {
                "type": "array",
                "items": {
                    "$ref": "#/schemas/ExternalStream"
                }
            },
            "generic_streams": {
                "type": "array",
                "items": {
                    "$ref": "#/schemas/ExternalStream"
                }
            },
            "total_count": {
                "type": "integer"
            },
            "timestamp": {
                "$ref": "#/schemas/IsoTimestamp"
            }
        }
    },
    "ExternalStreamDiscoveryResult": {
        "type": "object",
        "properties": {
            "discovered_streams": {
                "type": "array",
                "items": {
                    "$ref": "#/schemas/ExternalStream"
                }
            },
            "skydio_streams": {
                "type": "array",
                "items": {
                    "$ref": "#/schemas/ExternalStream"
                }
            },
            "generic_streams": {
                "type": "array",
                "items": {
                    "$ref": "#/schemas/ExternalStream"
                }
            },
            "scan_timestamp": {
                "$ref": "#/schemas/IsoTimestamp"
            },
            "total_found": {
                "type": "integer"
            },
            "discovery_options": {
                "type": "object"
            },
            "scan_duration": {
                "type": "string"
            },
            "errors": {
                "type": "array",
                "items": {
                    "type": "string"
                }
            }
        }
    },
    "DiscoveryIntervalResult": {
        "type": "object",
        "properties": {
            "scan_interval": {
                "type": "integer"
            },
            "status": {
                "type": "string",
                "enum": [
                    "UPDATED",
                    "ERROR"
                ]
            },
            "message": {
                "type": "string"
            },
            "timestamp": {
                "$ref": "#/schemas/IsoTimestamp"
            }
        },
        "required": [
            "scan_interval",
            "status"
        ]
    },
    "IsoTimestamp": {
        "type": "string",
        "format": "date-time"
    }
}


def check(method: str, result: Any) -> None:
    """Raises ``jsonschema.ValidationError`` when ``result`` does not fit ``method``'s result
    schema."""
    schema = {**RESULTS[method], "schemas": SCHEMAS}
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(result)
