"""compat.json's interface as Python data: every method's params and result schema, the
notifications and the shared schemas (``#/schemas/...`` refs resolve into ``SCHEMAS``).

These are the names and shapes existing clients speak (``/work/shared/spec/compat.json``,
vendored for the tests as ``tests/rpc/data/compat.json``; ``tests/rpc/test_schemas.py``
checks this module equals it). The method table takes each method's result schema from
here, and ``rpc.discover`` publishes them with the notifications. When compat.json changes,
regenerate this file from it (the test says what differs).
"""

from __future__ import annotations

from typing import Any

METHODS: dict[str, Any] = {
    "ping": {"params": [], "result": {"type": "string", "enum": ["pong"]}},
    "authenticate": {
        "params": [{"name": "auth_token", "required": False, "schema": {"type": "string"}}],
        "result": {"$ref": "#/schemas/AuthResult"},
    },
    "get_camera_list": {"params": [], "result": {"$ref": "#/schemas/CameraListResult"}},
    "get_camera_status": {
        "params": [{"name": "device", "required": False, "schema": {"$ref": "#/schemas/DeviceId"}}],
        "result": {"$ref": "#/schemas/Camera"},
    },
    "get_camera_capabilities": {
        "params": [{"name": "device", "required": False, "schema": {"$ref": "#/schemas/DeviceId"}}],
        "result": {"$ref": "#/schemas/CameraCapabilities"},
    },
    "take_snapshot": {
        "params": [
            {"name": "device", "required": False, "schema": {"$ref": "#/schemas/DeviceId"}},
            {"name": "filename", "required": False, "schema": {"type": "string", "nullable": True}},
        ],
        "result": {"$ref": "#/schemas/SnapshotInfo"},
    },
    "start_recording": {
        "params": [
            {"name": "device", "required": False, "schema": {"$ref": "#/schemas/DeviceId"}},
            {"name": "duration", "required": False, "schema": {"type": "number", "nullable": True}},
            {
                "name": "format",
                "required": False,
                "schema": {"type": "string", "enum": ["fmp4", "mp4", "mkv"], "nullable": True},
            },
        ],
        "result": {"$ref": "#/schemas/RecordingStart"},
    },
    "stop_recording": {
        "params": [{"name": "device", "required": False, "schema": {"$ref": "#/schemas/DeviceId"}}],
        "result": {"$ref": "#/schemas/RecordingStop"},
    },
    "list_recordings": {
        "params": [
            {"name": "limit", "required": False, "schema": {"type": "integer", "default": 50}},
            {"name": "offset", "required": False, "schema": {"type": "integer", "default": 0}},
        ],
        "result": {"$ref": "#/schemas/ListFilesResult"},
    },
    "list_snapshots": {
        "params": [
            {"name": "limit", "required": False, "schema": {"type": "integer", "default": 50}},
            {"name": "offset", "required": False, "schema": {"type": "integer", "default": 0}},
        ],
        "result": {"$ref": "#/schemas/ListFilesResult"},
    },
    "get_recording_info": {
        "params": [{"name": "filename", "required": False, "schema": {"type": "string"}}],
        "result": {
            "type": "object",
            "properties": {
                "filename": {"type": "string"},
                "file_size": {"type": "integer"},
                "duration": {"type": "integer"},
                "created_time": {"$ref": "#/schemas/IsoTimestamp"},
                "download_url": {"type": "string"},
            },
            "required": ["filename"],
        },
    },
    "get_snapshot_info": {
        "params": [{"name": "filename", "required": False, "schema": {"type": "string"}}],
        "result": {
            "type": "object",
            "properties": {
                "filename": {"type": "string"},
                "file_size": {"type": "integer"},
                "created_time": {"$ref": "#/schemas/IsoTimestamp"},
                "download_url": {"type": "string"},
            },
            "required": ["filename"],
        },
    },
    "delete_recording": {
        "params": [{"name": "filename", "required": False, "schema": {"type": "string"}}],
        "result": {
            "type": "object",
            "properties": {
                "filename": {"type": "string"},
                "deleted": {"type": "boolean"},
                "message": {"type": "string"},
            },
            "required": ["filename", "deleted"],
        },
    },
    "delete_snapshot": {
        "params": [{"name": "filename", "required": False, "schema": {"type": "string"}}],
        "result": {
            "type": "object",
            "properties": {
                "filename": {"type": "string"},
                "deleted": {"type": "boolean"},
                "message": {"type": "string"},
            },
            "required": ["filename", "deleted"],
        },
    },
    "start_streaming": {
        "params": [{"name": "device", "required": False, "schema": {"$ref": "#/schemas/DeviceId"}}],
        "result": {"$ref": "#/schemas/StreamStart"},
    },
    "stop_streaming": {
        "params": [{"name": "device", "required": False, "schema": {"$ref": "#/schemas/DeviceId"}}],
        "result": {"$ref": "#/schemas/StreamStop"},
    },
    "get_stream_url": {
        "params": [{"name": "device", "required": False, "schema": {"$ref": "#/schemas/DeviceId"}}],
        "result": {
            "type": "object",
            "properties": {
                "device": {"$ref": "#/schemas/DeviceId"},
                "stream_name": {"type": "string"},
                "stream_url": {"type": "string"},
                "available": {"type": "boolean"},
                "active_consumers": {"type": "integer"},
                "stream_status": {"type": "string", "enum": ["READY", "NOT_READY", "ERROR"]},
            },
            "required": ["device", "stream_url", "available"],
        },
    },
    "get_stream_status": {
        "params": [{"name": "device", "required": False, "schema": {"$ref": "#/schemas/DeviceId"}}],
        "result": {"$ref": "#/schemas/StreamStatus"},
    },
    "get_streams": {"params": [], "result": {"type": "array", "items": {"$ref": "#/schemas/StreamInfo"}}},
    "get_metrics": {"params": [], "result": {"$ref": "#/schemas/MetricsResult"}},
    "get_status": {"params": [], "result": {"$ref": "#/schemas/StatusResult"}},
    "get_server_info": {"params": [], "result": {"$ref": "#/schemas/ServerInfo"}},
    "get_storage_info": {"params": [], "result": {"$ref": "#/schemas/StorageInfo"}},
    "set_retention_policy": {
        "params": [
            {
                "name": "policy_type",
                "required": False,
                "schema": {"type": "string", "enum": ["age", "size", "manual"]},
            },
            {"name": "max_age_days", "required": False, "schema": {"type": "integer", "nullable": True}},
            {"name": "max_size_gb", "required": False, "schema": {"type": "number", "nullable": True}},
            {"name": "enabled", "required": False, "schema": {"type": "boolean"}},
        ],
        "result": {
            "type": "object",
            "properties": {
                "policy_type": {"type": "string"},
                "max_age_days": {"type": "integer"},
                "max_size_gb": {"type": "number"},
                "enabled": {"type": "boolean"},
                "message": {"type": "string"},
            },
            "required": ["policy_type", "enabled"],
        },
    },
    "cleanup_old_files": {
        "params": [],
        "result": {
            "type": "object",
            "properties": {
                "cleanup_executed": {"type": "boolean"},
                "files_deleted": {"type": "integer"},
                "space_freed": {"type": "integer"},
                "message": {"type": "string"},
            },
            "required": ["cleanup_executed"],
        },
    },
    "subscribe_events": {
        "params": [
            {"name": "topics", "required": False, "schema": {"type": "array", "items": {"type": "string"}}},
            {"name": "filters", "required": False, "schema": {"type": "object", "nullable": True}},
        ],
        "result": {
            "type": "object",
            "properties": {
                "subscribed": {"type": "boolean"},
                "topics": {"type": "array", "items": {"type": "string"}},
                "filters": {"type": "object"},
            },
            "required": ["subscribed", "topics"],
        },
    },
    "unsubscribe_events": {
        "params": [
            {
                "name": "topics",
                "required": False,
                "schema": {"type": "array", "items": {"type": "string"}, "nullable": True},
            }
        ],
        "result": {
            "type": "object",
            "properties": {
                "unsubscribed": {"type": "boolean"},
                "topics": {"type": "array", "items": {"type": "string"}},
            },
            "required": ["unsubscribed"],
        },
    },
    "get_subscription_stats": {"params": [], "result": {"$ref": "#/schemas/SubscriptionStats"}},
    "discover_external_streams": {
        "params": [
            {
                "name": "skydio_enabled",
                "required": False,
                "schema": {"type": "boolean", "default": True, "nullable": True},
            },
            {
                "name": "generic_enabled",
                "required": False,
                "schema": {"type": "boolean", "default": False, "nullable": True},
            },
            {
                "name": "force_rescan",
                "required": False,
                "schema": {"type": "boolean", "default": False, "nullable": True},
            },
            {
                "name": "include_offline",
                "required": False,
                "schema": {"type": "boolean", "default": False, "nullable": True},
            },
        ],
        "result": {"$ref": "#/schemas/ExternalStreamDiscoveryResult"},
    },
    "add_external_stream": {
        "params": [
            {"name": "stream_url", "required": False, "schema": {"type": "string"}},
            {"name": "stream_name", "required": False, "schema": {"type": "string"}},
            {
                "name": "stream_type",
                "required": False,
                "schema": {"type": "string", "default": "generic_rtsp", "nullable": True},
            },
        ],
        "result": {
            "type": "object",
            "properties": {
                "stream_url": {"type": "string"},
                "stream_name": {"type": "string"},
                "stream_type": {"type": "string"},
                "status": {"type": "string", "enum": ["ADDED", "ERROR"]},
                "timestamp": {"$ref": "#/schemas/IsoTimestamp"},
            },
            "required": ["stream_url", "stream_name", "status"],
        },
    },
    "remove_external_stream": {
        "params": [{"name": "stream_url", "required": False, "schema": {"type": "string"}}],
        "result": {
            "type": "object",
            "properties": {
                "stream_url": {"type": "string"},
                "status": {"type": "string", "enum": ["REMOVED", "ERROR"]},
                "timestamp": {"$ref": "#/schemas/IsoTimestamp"},
            },
            "required": ["stream_url", "status"],
        },
    },
    "get_external_streams": {"params": [], "result": {"$ref": "#/schemas/ExternalStreamsResult"}},
    "set_discovery_interval": {
        "params": [{"name": "scan_interval", "required": False, "schema": {"type": "integer"}}],
        "result": {"$ref": "#/schemas/DiscoveryIntervalResult"},
    },
    "get_system_status": {"params": [], "result": {"$ref": "#/schemas/StatusResult"}},
}

NOTIFICATIONS: dict[str, Any] = {
    "camera_status_update": {
        "params": [
            {"name": "device", "required": False, "schema": {"$ref": "#/schemas/DeviceId"}},
            {
                "name": "status",
                "required": False,
                "schema": {"type": "string", "enum": ["CONNECTED", "DISCONNECTED", "ERROR"]},
            },
            {"name": "name", "required": False, "schema": {"type": "string"}},
            {"name": "resolution", "required": False, "schema": {"type": "string"}},
            {"name": "fps", "required": False, "schema": {"type": "integer"}},
            {"name": "streams", "required": False, "schema": {"$ref": "#/schemas/Streams"}},
        ],
        "result": {"type": "null"},
    },
    "recording_status_update": {
        "params": [
            {"name": "device", "required": False, "schema": {"$ref": "#/schemas/DeviceId"}},
            {
                "name": "status",
                "required": False,
                "schema": {"type": "string", "enum": ["STARTED", "STOPPED", "ERROR", "FAILED"]},
            },
            {"name": "filename", "required": False, "schema": {"type": "string"}},
            {"name": "duration", "required": False, "schema": {"type": "integer"}},
        ],
        "result": {"type": "null"},
    },
}

SCHEMAS: dict[str, Any] = {
    "DeviceId": {"type": "string", "pattern": "^camera[0-9]+$"},
    "IsoTimestamp": {"type": "string", "format": "date-time"},
    "Pagination": {
        "type": "object",
        "properties": {
            "limit": {"type": "integer", "minimum": 0, "maximum": 1000, "default": 50},
            "offset": {"type": "integer", "minimum": 0, "default": 0},
        },
    },
    "Streams": {
        "type": "object",
        "properties": {"rtsp": {"type": "string"}, "hls": {"type": "string"}, "webrtc": {"type": "string"}},
        "additionalProperties": False,
    },
    "Camera": {
        "type": "object",
        "properties": {
            "device": {"$ref": "#/schemas/DeviceId"},
            "status": {"type": "string", "enum": ["CONNECTED", "DISCONNECTED", "ERROR"]},
            "name": {"type": "string"},
            "resolution": {"type": "string"},
            "fps": {"type": "integer"},
            "streams": {"$ref": "#/schemas/Streams"},
        },
        "required": ["device", "status"],
    },
    "CameraListResult": {
        "type": "object",
        "properties": {
            "cameras": {"type": "array", "items": {"$ref": "#/schemas/Camera"}},
            "total": {"type": "integer"},
            "connected": {"type": "integer"},
        },
        "required": ["cameras", "total", "connected"],
    },
    "CameraCapabilities": {
        "type": "object",
        "properties": {
            "device": {"$ref": "#/schemas/DeviceId"},
            "formats": {"type": "array", "items": {"type": "string"}},
            "resolutions": {"type": "array", "items": {"type": "string"}},
            "fps_options": {"type": "array", "items": {"type": "integer"}},
            "validation_status": {"type": "string", "enum": ["NONE", "DISCONNECTED", "CONFIRMED"]},
        },
        "required": ["device"],
    },
    "SnapshotInfo": {
        "type": "object",
        "properties": {
            "device": {"$ref": "#/schemas/DeviceId"},
            "filename": {"type": "string"},
            "status": {"type": "string", "enum": ["SUCCESS", "FAILED"]},
            "timestamp": {"$ref": "#/schemas/IsoTimestamp"},
            "file_size": {"type": "integer"},
            "file_path": {"type": "string"},
        },
        "required": ["device", "filename", "status", "timestamp"],
    },
    "RecordingStart": {
        "type": "object",
        "properties": {
            "device": {"$ref": "#/schemas/DeviceId"},
            "filename": {"type": "string"},
            "status": {
                "type": "string",
                "enum": ["RECORDING", "STARTING", "STOPPING", "PAUSED", "ERROR", "FAILED"],
            },
            "start_time": {"$ref": "#/schemas/IsoTimestamp"},
            "format": {"type": "string", "enum": ["fmp4", "mp4", "mkv"]},
        },
        "required": ["device", "status", "start_time"],
    },
    "RecordingStop": {
        "type": "object",
        "properties": {
            "device": {"$ref": "#/schemas/DeviceId"},
            "filename": {"type": "string"},
            "status": {"type": "string", "enum": ["STOPPED", "FAILED"]},
            "start_time": {"$ref": "#/schemas/IsoTimestamp"},
            "end_time": {"$ref": "#/schemas/IsoTimestamp"},
            "duration": {"type": "integer"},
            "file_size": {"type": "integer"},
            "format": {"type": "string", "enum": ["fmp4", "mp4", "mkv"]},
        },
        "required": ["device", "status", "end_time"],
    },
    "RecordingFile": {
        "type": "object",
        "properties": {
            "filename": {"type": "string"},
            "file_size": {"type": "integer"},
            "modified_time": {"$ref": "#/schemas/IsoTimestamp"},
            "download_url": {"type": "string"},
        },
        "required": ["filename"],
    },
    "ListFilesResult": {
        "type": "object",
        "properties": {
            "files": {"type": "array", "items": {"$ref": "#/schemas/RecordingFile"}},
            "total": {"type": "integer"},
            "limit": {"type": "integer"},
            "offset": {"type": "integer"},
        },
        "required": ["files", "total", "limit", "offset"],
    },
    "StreamStart": {
        "type": "object",
        "properties": {
            "device": {"$ref": "#/schemas/DeviceId"},
            "stream_name": {"type": "string"},
            "stream_url": {"type": "string"},
            "status": {"type": "string", "enum": ["STARTED", "FAILED"]},
            "start_time": {"$ref": "#/schemas/IsoTimestamp"},
            "auto_close_after": {"type": "string"},
        },
        "required": ["device", "status", "start_time", "stream_url"],
    },
    "StreamStop": {
        "type": "object",
        "properties": {
            "device": {"$ref": "#/schemas/DeviceId"},
            "stream_name": {"type": "string"},
            "status": {"type": "string", "enum": ["STOPPED", "FAILED"]},
            "start_time": {"$ref": "#/schemas/IsoTimestamp"},
            "end_time": {"$ref": "#/schemas/IsoTimestamp"},
            "duration": {"type": "integer"},
            "stream_continues": {"type": "boolean"},
        },
        "required": ["device", "status", "end_time"],
    },
    "StreamStatus": {
        "type": "object",
        "properties": {
            "device": {"$ref": "#/schemas/DeviceId"},
            "stream_name": {"type": "string"},
            "status": {"type": "string", "enum": ["ACTIVE", "INACTIVE", "ERROR", "STARTING", "STOPPING"]},
            "ready": {"type": "boolean"},
            "ffmpeg_process": {
                "type": "object",
                "properties": {
                    "running": {"type": "boolean"},
                    "pid": {"type": "integer"},
                    "uptime": {"type": "integer"},
                },
            },
            "mediamtx_path": {
                "type": "object",
                "properties": {
                    "exists": {"type": "boolean"},
                    "ready": {"type": "boolean"},
                    "readers": {"type": "integer"},
                },
            },
            "metrics": {
                "type": "object",
                "properties": {
                    "bytes_sent": {"type": "integer"},
                    "frames_sent": {"type": "integer"},
                    "bitrate": {"type": "integer"},
                    "fps": {"type": "integer"},
                },
            },
            "start_time": {"$ref": "#/schemas/IsoTimestamp"},
        },
        "required": ["device", "status"],
    },
    "MetricsResult": {
        "type": "object",
        "properties": {
            "timestamp": {"$ref": "#/schemas/IsoTimestamp"},
            "system_metrics": {
                "type": "object",
                "properties": {
                    "cpu_usage": {"type": "number"},
                    "memory_usage": {"type": "number"},
                    "disk_usage": {"type": "number"},
                    "goroutines": {"type": "integer"},
                },
            },
            "camera_metrics": {
                "type": "object",
                "properties": {
                    "connected_cameras": {"type": "integer"},
                    "cameras": {"type": "object", "additionalProperties": {"type": "object"}},
                },
            },
            "recording_metrics": {"type": "object"},
            "stream_metrics": {
                "type": "object",
                "properties": {
                    "active_streams": {"type": "integer"},
                    "total_streams": {"type": "integer"},
                    "total_viewers": {"type": "integer"},
                },
            },
        },
    },
    "StreamInfo": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "source": {"type": "string"},
            "ready": {"type": "boolean"},
            "readers": {"type": "integer"},
            "bytes_sent": {"type": "integer"},
        },
        "required": ["name", "ready"],
    },
    "SubscriptionStats": {
        "type": "object",
        "properties": {
            "global_stats": {
                "type": "object",
                "properties": {
                    "total_subscriptions": {"type": "integer"},
                    "active_clients": {"type": "integer"},
                    "topic_counts": {"type": "object", "additionalProperties": {"type": "integer"}},
                },
            },
            "client_topics": {"type": "array", "items": {"type": "string"}},
            "client_id": {"type": "string"},
        },
    },
    "ExternalStreamDiscoveryResult": {
        "type": "object",
        "properties": {
            "discovered_streams": {"type": "array", "items": {"$ref": "#/schemas/ExternalStream"}},
            "skydio_streams": {"type": "array", "items": {"$ref": "#/schemas/ExternalStream"}},
            "generic_streams": {"type": "array", "items": {"$ref": "#/schemas/ExternalStream"}},
            "scan_timestamp": {"$ref": "#/schemas/IsoTimestamp"},
            "total_found": {"type": "integer"},
            "discovery_options": {"type": "object"},
            "scan_duration": {"type": "string"},
            "errors": {"type": "array", "items": {"type": "string"}},
        },
    },
    "ExternalStreamsResult": {
        "type": "object",
        "properties": {
            "external_streams": {"type": "array", "items": {"$ref": "#/schemas/ExternalStream"}},
            "skydio_streams": {"type": "array", "items": {"$ref": "#/schemas/ExternalStream"}},
            "generic_streams": {"type": "array", "items": {"$ref": "#/schemas/ExternalStream"}},
            "total_count": {"type": "integer"},
            "timestamp": {"$ref": "#/schemas/IsoTimestamp"},
        },
    },
    "DiscoveryIntervalResult": {
        "type": "object",
        "properties": {
            "scan_interval": {"type": "integer"},
            "status": {"type": "string", "enum": ["UPDATED", "ERROR"]},
            "message": {"type": "string"},
            "timestamp": {"$ref": "#/schemas/IsoTimestamp"},
        },
        "required": ["scan_interval", "status"],
    },
    "AuthResult": {
        "type": "object",
        "properties": {
            "authenticated": {"type": "boolean"},
            "role": {"type": "string", "enum": ["admin", "operator", "viewer"]},
            "permissions": {"type": "array", "items": {"type": "string"}},
            "expires_at": {"$ref": "#/schemas/IsoTimestamp"},
            "session_id": {"type": "string"},
        },
        "required": ["authenticated", "role", "session_id"],
    },
    "ServerInfo": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "version": {"type": "string"},
            "build_date": {"type": "string"},
            "go_version": {"type": "string"},
            "architecture": {"type": "string"},
            "capabilities": {"type": "array", "items": {"type": "string"}},
            "supported_formats": {"type": "array", "items": {"type": "string"}},
            "max_cameras": {"type": "integer"},
        },
    },
    "StorageInfo": {
        "type": "object",
        "properties": {
            "total_space": {"type": "integer"},
            "used_space": {"type": "integer"},
            "available_space": {"type": "integer"},
            "usage_percentage": {"type": "number"},
            "recordings_size": {"type": "integer"},
            "snapshots_size": {"type": "integer"},
            "low_space_warning": {"type": "boolean"},
        },
    },
    "StatusResult": {
        "type": "object",
        "properties": {
            "status": {"type": "string", "enum": ["HEALTHY", "DEGRADED", "UNHEALTHY"]},
            "uptime": {"type": "number"},
            "version": {"type": "string"},
            "components": {
                "type": "object",
                "properties": {
                    "websocket_server": {"type": "string"},
                    "camera_monitor": {"type": "string"},
                    "mediamtx": {"type": "string"},
                },
            },
        },
        "required": ["status"],
    },
    "ExternalStream": {
        "type": "object",
        "properties": {
            "url": {"type": "string"},
            "type": {"type": "string"},
            "name": {"type": "string"},
            "status": {"type": "string", "enum": ["DISCOVERED", "ERROR"]},
            "discovered_at": {"$ref": "#/schemas/IsoTimestamp"},
            "last_seen": {"$ref": "#/schemas/IsoTimestamp"},
            "capabilities": {"type": "object"},
        },
    },
    "ValidationRules": {
        "type": "object",
        "properties": {
            "camera_identifiers": {"type": "string"},
            "duration_limits": {
                "type": "object",
                "properties": {
                    "min": {"type": "integer", "minimum": 1},
                    "max": {"type": "integer", "maximum": 86400},
                },
            },
            "file_size_limits": {
                "type": "object",
                "properties": {"max_size_gb": {"type": "number", "maximum": 100}},
            },
            "pagination_limits": {
                "type": "object",
                "properties": {
                    "max_limit": {"type": "integer", "maximum": 1000},
                    "default_limit": {"type": "integer", "default": 50},
                },
            },
        },
    },
}

ERRORS: dict[str, Any] = {
    "-32600": "Invalid Request",
    "-32601": "Method Not Found",
    "-32602": "Invalid Params",
    "-32603": "Internal Error",
    "-32001": "Auth Failed",
    "-32002": "Permission Denied",
    "-32010": "Not Found",
    "-32020": "Invalid State",
    "-32030": "Unsupported",
    "-32040": "Rate Limited",
    "-32050": "Dependency Failed",
}


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
