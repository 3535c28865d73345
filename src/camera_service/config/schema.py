"""The configuration schema (voluptuous): one schema per section (``cameras`` in
``camera_schema``, built from the generic checks in ``validators``), the section validators
the loader runs, and the keys known at each path for "did you mean". Pure: validates a plain
mapping, touches no files.
"""

from __future__ import annotations

from typing import Any

import voluptuous as vol

from ..motion.settings import KEYS as MOTION_KEYS
from .camera_schema import (
    CAMERAS,
    CSI_CAMERA,
    DISCOVERY,
    EXTERNAL,
    NETWORK_CAMERA,
    RECORDING_EXTRA,
    RECORDING_KEYS,
    TEST_PATTERN,
)
from .mqtt import MQTT, TLS
from .validators import (
    PORT,
    base_url,
    boolean,
    host,
    integer,
    number,
    one_of,
    path,
    section,
    string,
    string_list,
    url,
)

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
RECORDING_FORMATS = ("fmp4", "mp4", "mkv")
STREAM_AUTH = ("service", "none")

# HS256 keys shorter than the hash (32 bytes) are refused by RFC 7518 §3.2 (PyJWT warns)
JWT_SECRET_MIN_BYTES = 32
JWT_SECRET_HINT = "HS256 needs a key of at least 32 bytes, RFC 7518 §3.2; e.g. `openssl rand -hex 32`"


def jwt_secret(value: Any) -> str | None:
    if value is None:
        return None
    value = string(value)
    if len(value.encode("utf-8")) < JWT_SECRET_MIN_BYTES:
        raise vol.Invalid(f"must be at least {JWT_SECRET_MIN_BYTES} bytes, got "
                          f"{len(value.encode('utf-8'))} ({JWT_SECRET_HINT})")
    return value


SERVER = {
    vol.Optional("host"): host,
    vol.Optional("port"): integer(0, 65535),
    vol.Optional("public_host"): host,
    vol.Optional("tls_cert"): vol.Any(None, path),
    vol.Optional("tls_key"): vol.Any(None, path),
    vol.Optional("max_connections"): integer(1, 100_000),
    vol.Optional("max_message_size"): integer(1024, 64 * 1024 * 1024),
    vol.Optional("allowed_origins"): string_list(string),
    vol.Optional("rate_limit"): number(0, strict=False),  # 0: no limit
    vol.Optional("rate_burst"): integer(1),
    vol.Optional("send_queue_size"): integer(1, 100_000),
    vol.Optional("ping_interval"): number(0),
    vol.Optional("ping_timeout"): number(0),
    vol.Optional("shutdown_timeout"): number(0),
    vol.Optional("public_url"): base_url,
    vol.Optional("link_ttl"): integer(60, 7 * 86400),
    vol.Optional("auth_timeout"): number(0),
    vol.Optional("unauthenticated_max_connections"): integer(1, 100_000),
    vol.Optional("unauthenticated_per_address"): integer(1, 100_000),
    vol.Optional("unauthenticated_max_messages"): integer(1, 10_000),
    vol.Optional("unauthenticated_max_message_size"): integer(1024, 64 * 1024 * 1024),
    vol.Optional("allowed_hosts"): string_list(host),
}

AUTH = {
    vol.Optional("jwt_secret"): jwt_secret,
    vol.Optional("jwt_secret_file"): vol.Any(None, path),
    vol.Optional("api_key_file"): vol.Any(None, path),
    vol.Optional("token_expiry"): integer(1, 366 * 86400),
}

MEDIAMTX = {
    vol.Optional("api_url"): url("http", "https"),
    vol.Optional("api_user"): vol.Any(None, string),
    vol.Optional("api_password"): vol.Any(None, string),
    vol.Optional("rtsp_port"): PORT,
    vol.Optional("webrtc_port"): PORT,
    vol.Optional("hls_port"): PORT,
    vol.Optional("request_timeout"): number(0),
    vol.Optional("health_interval"): number(0),
    vol.Optional("reconcile_interval"): number(0),
    vol.Optional("unit"): string,
    vol.Optional("video_encoder"): string,
    vol.Optional("start_timeout"): number(0),
    vol.Optional("close_after"): number(0),
    vol.Optional("stream_auth"): one_of(*STREAM_AUTH),
    vol.Optional("stream_keepalive"): number(0),
    vol.Optional("vaapi_device"): path,
    vol.Optional("system_user"): string,
}

RETENTION = {
    vol.Optional("enabled"): boolean,
    vol.Optional("policy_type"): one_of("age", "size"),
    vol.Optional("max_age_days"): number(0),
    vol.Optional("max_size_gb"): number(0),
    vol.Optional("interval"): number(0),
}

STORAGE = {
    vol.Optional("state_dir"): path,
    vol.Optional("snapshots_dir"): path,
    vol.Optional("recordings_dir"): path,
    vol.Optional("min_free_mb"): integer(0),
    vol.Optional("low_space_percent"): number(0),
    vol.Optional("retention"): section(RETENTION),
    vol.Optional("snapshot_quality"): integer(2, 31),
    vol.Optional("snapshot_max_width"): integer(0, 7680),
    vol.Optional("snapshot_timeout"): number(0),
    vol.Optional("snapshot_keyframes"): boolean,
    vol.Optional("snapshot_keyframe_max_age"): number(0),
    vol.Optional("recording_preroll"): boolean,
    vol.Optional("recording_format"): one_of(*RECORDING_FORMATS),
    vol.Optional("segment_seconds"): integer(0),
    vol.Optional("stop_timeout"): number(0),
}

LOGGING = {
    vol.Optional("level"): one_of(*LOG_LEVELS, fold=True),
    vol.Optional("target"): one_of("auto", "journald", "console"),
}

SECTIONS: dict[str, dict[Any, Any]] = {
    "server": SERVER,
    "auth": AUTH,
    "mediamtx": MEDIAMTX,
    "cameras": CAMERAS,
    "storage": STORAGE,
    "logging": LOGGING,
    "mqtt": MQTT,
}

NESTED: dict[tuple[str, ...], dict[Any, Any]] = {
    ("cameras", "network"): NETWORK_CAMERA,
    ("cameras", "test_pattern"): TEST_PATTERN,
    ("storage", "retention"): RETENTION,
    ("mqtt", "tls"): TLS,
    ("cameras", "discovery"): DISCOVERY,
    ("cameras", "external"): EXTERNAL,
    ("cameras", "csi"): CSI_CAMERA,
    ("cameras", "recording"): {vol.Optional(k): object for k in RECORDING_KEYS + RECORDING_EXTRA},
    ("cameras", "motion"): {vol.Optional(k): object for k in (*MOTION_KEYS, "cameras", "retain_days")},
}

SECTION_VALIDATORS = {name: section(keys) for name, keys in SECTIONS.items()}


def known_keys(path: tuple[str, ...]) -> list[str]:
    """The keys allowed at ``path`` (list indices dropped), for "did you mean"."""
    path = tuple(p for p in path if isinstance(p, str))
    if not path:
        return list(SECTIONS)
    keys = SECTIONS.get(path[0], {}) if len(path) == 1 else NESTED.get(path[:2], {})
    return [str(k.schema) for k in keys]
