"""The configuration schema (voluptuous). Pure: validates a plain mapping, touches no files.

Every validator raises ``vol.Invalid`` with a message that says what was expected and what
was found, so the loader can print ``mediamtx.api_url: expected a URL, got 'localhost:9997'``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import voluptuous as vol

from ..recording_modes import ModeSpec, spec_from_mapping

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
RECORDING_FORMATS = ("fmp4", "mp4", "mkv")
CAMERA_ID = re.compile(r"^camera\d+$")
STREAM_AUTH = ("service", "none")


def _got(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def integer(lo: int | None = None, hi: int | None = None) -> Any:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise vol.Invalid(f"expected an integer, got {_got(value)}")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            bounds = f"{lo}..{hi}" if hi is not None else f">= {lo}"
            raise vol.Invalid(f"expected an integer in {bounds}, got {value}")
        return value

    return check


def number(lo: float = 0.0, *, strict: bool = True) -> Any:
    """A non-negative (or > lo when strict) int or float, not a boolean."""

    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise vol.Invalid(f"expected a number, got {_got(value)}")
        if value != value or value in (float("inf"), float("-inf")):
            raise vol.Invalid(f"expected a finite number, got {value}")
        if (strict and value <= lo) or (not strict and value < lo):
            raise vol.Invalid(f"expected a number {'>' if strict else '>='} {lo:g}, got {value}")
        return float(value)

    return check


PORT = integer(1, 65535)

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


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise vol.Invalid(f"expected true or false, got {_got(value)}")
    return value


def string(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise vol.Invalid(f"expected a non-empty string, got {_got(value)}")
    return value


def one_of(*choices: str, fold: bool = False) -> Any:
    def check(value: Any) -> str:
        v = value.upper() if fold and isinstance(value, str) else value
        if v not in choices:
            raise vol.Invalid(f"expected one of {', '.join(choices)}, got {_got(value)}")
        return str(v)

    return check


def url(*schemes: str) -> Any:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise vol.Invalid(f"expected a URL, got {_got(value)}")
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError as e:
            raise vol.Invalid(f"expected a URL, got {_got(value)} ({e})") from None
        if parts.scheme not in schemes or not parts.hostname:
            want = "/".join(f"{s}://" for s in schemes)
            raise vol.Invalid(f"expected a URL ({want}HOST...), got {_got(value)}")
        return value

    return check


def host(value: Any) -> str:
    if not isinstance(value, str) or not value or any(c in value for c in " /\t\n"):
        raise vol.Invalid(f"expected a host name or address, got {_got(value)}")
    return value


def path(value: Any) -> str:
    if not isinstance(value, str) or not value or "\0" in value:
        raise vol.Invalid(f"expected a file system path, got {_got(value)}")
    return value


def string_list(item: Any) -> Any:
    def check(value: Any) -> list[Any]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise vol.Invalid(f"expected a list, got {_kind(value)}")
        return value

    return vol.All(check, [item])


def mapping(schema: dict[Any, Any]) -> vol.Schema:
    return vol.Schema(schema, extra=vol.PREVENT_EXTRA)


def _section(schema: dict[Any, Any]) -> Any:
    inner = mapping(schema)

    def check(value: Any) -> Any:
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise vol.Invalid(f"expected a mapping, got {_kind(value)}")
        return inner(value)

    return check


def camera_id(value: Any) -> str:
    if not isinstance(value, str) or not CAMERA_ID.match(value):
        raise vol.Invalid(f"expected an id like camera0, got {_got(value)}")
    return value


def _base_url(value: Any) -> str | None:
    """A base URL for download links (or null): http(s), no ``?query`` or ``#fragment``."""
    if value is None:
        return None
    url("http", "https")(value)
    parts = urlsplit(value)
    if parts.query or parts.fragment:
        raise vol.Invalid(f"expected a base URL without ?query or #fragment, got {_got(value)}")
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
    vol.Optional("public_url"): _base_url,
    vol.Optional("link_ttl"): integer(60, 7 * 86400),
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
}

NETWORK_CAMERA = {
    vol.Required("url"): url("rtsp", "rtsps"),
    vol.Optional("name"): string,
    vol.Optional("id"): camera_id,
}

TEST_PATTERN = {
    vol.Optional("enabled"): vol.Any(boolean, one_of("auto")),
    vol.Optional("width"): integer(16, 7680),
    vol.Optional("height"): integer(16, 4320),
    vol.Optional("fps"): integer(1, 120),
}


def _test_pattern(value: Any) -> Any:
    if isinstance(value, bool) or value == "auto":
        return {"enabled": value}
    if isinstance(value, str):
        raise vol.Invalid(f"expected true, false, auto or a mapping, got {_got(value)}")
    return _section(TEST_PATTERN)(value)


def _names(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise vol.Invalid(f"expected a mapping of camera id or serial to name, got {_kind(value)}")
    for k, v in value.items():
        if not isinstance(k, str) or not isinstance(v, str) or not v.strip():
            raise vol.Invalid(f"expected name strings, got {_got(k)}: {_got(v)}", path=[k])
    return value


def _network(value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise vol.Invalid(f"expected a list of cameras, got {_kind(value)}")
    out, errors = [], []
    for i, item in enumerate(value):
        try:
            out.append(_section(NETWORK_CAMERA)(item))
        except vol.MultipleInvalid as e:
            errors += [vol.Invalid(err.msg, [i, *err.path]) for err in e.errors]
        except vol.Invalid as e:
            errors.append(vol.Invalid(e.msg, [i, *e.path]))
    if errors:
        raise vol.MultipleInvalid(errors)
    return out


def host_or_cidr(value: Any) -> str:
    import ipaddress

    if isinstance(value, str) and "/" in value:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError as e:
            raise vol.Invalid(f"expected a CIDR range like 192.168.1.0/24, got {_got(value)} ({e})") from None
        return value
    return host(value)


def rtsp_path(value: Any) -> str:
    if not isinstance(value, str) or any(c in value for c in " \t\r\n\0?#"):
        raise vol.Invalid(f"expected an RTSP path like /live, got {_got(value)}")
    return value


def _ports(value: Any) -> Any:
    return vol.All(string_list(PORT), vol.Length(min=1, msg="expected at least one port"))(value)


DISCOVERY = {
    vol.Optional("enabled"): boolean,
    vol.Optional("hosts"): string_list(host_or_cidr),
    vol.Optional("ports"): _ports,
    vol.Optional("paths"): string_list(rtsp_path),
    vol.Optional("skydio_ports"): _ports,
    vol.Optional("skydio_paths"): string_list(rtsp_path),
    vol.Optional("concurrency"): integer(1, 1024),
    vol.Optional("timeout"): number(0),
    vol.Optional("scan_timeout"): number(0),
    vol.Optional("scan_interval"): integer(0, 7 * 86400),
    vol.Optional("max_hosts"): integer(1, 65536),
}


CSI_CAMERA = {
    vol.Optional("width"): integer(16, 9248),
    vol.Optional("height"): integer(16, 6944),
    vol.Optional("fps"): number(0),
    vol.Optional("hdr"): boolean,
    vol.Optional("rotation"): vol.All(integer(0, 180), vol.Any(0, 180, msg="expected 0 or 180 "
                                      "(libcamera flips the image; it cannot turn it by 90)")),
    vol.Optional("index"): integer(0, 15),
}


def _csi(value: Any) -> dict[str, Any]:
    """``cameras.csi``: camera id → its CSI mode."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise vol.Invalid(f"expected a mapping of camera id to CSI mode, got {_kind(value)}")
    out, errors = {}, []
    for key, item in value.items():
        try:
            out[camera_id(key)] = _section(CSI_CAMERA)(item)
        except vol.MultipleInvalid as e:
            errors += [vol.Invalid(err.msg, [key, *err.path]) for err in e.errors]
        except vol.Invalid as e:
            errors.append(vol.Invalid(e.msg, [key, *e.path]))
    if errors:
        raise vol.MultipleInvalid(errors)
    return out


_PATH_PART = re.compile(r"\[(\d+)\]|([^.\[\]]+)")
RECORDING_KEYS = ("mode", "schedule", "segment_seconds", "format", "retention")
RECORDING_EXTRA = ("cameras", "retry_min", "retry_max", "retention_interval")


def _mode_spec(data: dict[str, Any], base: ModeSpec | None, where: list[Any]) -> ModeSpec:
    if data.get("mode") is False:  # YAML 1.1 reads a bare `mode: off` as false
        data = {**data, "mode": "off"}
    try:
        return spec_from_mapping(data, base)
    except ValueError as e:
        key, _, reason = str(e).partition(": ")
        parts = [int(i) if i else name for i, name in _PATH_PART.findall(key)]
        raise vol.Invalid(reason or str(e), path=[*where, *parts]) from None


def _recording(value: Any) -> dict[str, Any]:
    """``cameras.recording``: mode keys (the default of every camera), ``cameras`` with
    per-camera overrides of those keys, and the retry/retention timings."""
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise vol.Invalid(f"expected a mapping, got {_kind(value)}")
    for key in value:
        if key not in RECORDING_KEYS + RECORDING_EXTRA:
            raise vol.Invalid("extra keys not allowed", path=[key])
    out: dict[str, Any] = {}
    default = _mode_spec({k: v for k, v in value.items() if k in RECORDING_KEYS}, None, [])
    out["default"] = default
    per_camera = value.get("cameras") or {}
    if not isinstance(per_camera, dict):
        raise vol.Invalid(
            f"expected a mapping of camera id to mode, got {_kind(per_camera)}", path=["cameras"]
        )
    cams: dict[str, ModeSpec] = {}
    for cam, data in per_camera.items():
        if not isinstance(cam, str) or not CAMERA_ID.match(cam):
            raise vol.Invalid(f"expected an id like camera0, got {_got(cam)}", path=["cameras", cam])
        if not isinstance(data, dict):
            raise vol.Invalid(f"expected a mapping, got {_kind(data)}", path=["cameras", cam])
        cams[cam] = _mode_spec(data, default, ["cameras", cam])
    out["cameras"] = cams
    for key in ("retry_min", "retry_max", "retention_interval"):
        if key in value:
            try:
                out[key] = number(0)(value[key])
            except vol.Invalid as e:
                raise vol.Invalid(e.msg, path=[key]) from None
    return out


CAMERAS = {
    vol.Optional("udev"): boolean,
    vol.Optional("include"): string_list(string),
    vol.Optional("exclude"): string_list(string),
    vol.Optional("max_width"): integer(16, 7680),
    vol.Optional("max_height"): integer(16, 4320),
    vol.Optional("min_fps"): number(0),
    vol.Optional("probe_timeout"): number(0),
    vol.Optional("debounce"): number(0, strict=False),
    vol.Optional("network"): _network,
    vol.Optional("network_probe_interval"): number(0),
    vol.Optional("network_probe_max_backoff"): number(0),
    vol.Optional("test_pattern"): _test_pattern,
    vol.Optional("names"): _names,
    vol.Optional("discovery"): _section(DISCOVERY),
    vol.Optional("csi"): _csi,
    vol.Optional("recording"): _recording,
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
    vol.Optional("retention"): _section(RETENTION),
    vol.Optional("snapshot_quality"): integer(2, 31),
    vol.Optional("snapshot_max_width"): integer(0, 7680),
    vol.Optional("snapshot_timeout"): number(0),
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
}

NESTED: dict[tuple[str, ...], dict[Any, Any]] = {
    ("cameras", "network"): NETWORK_CAMERA,
    ("cameras", "test_pattern"): TEST_PATTERN,
    ("storage", "retention"): RETENTION,
    ("cameras", "discovery"): DISCOVERY,
    ("cameras", "csi"): CSI_CAMERA,
    ("cameras", "recording"): {vol.Optional(k): object for k in RECORDING_KEYS + RECORDING_EXTRA},
}

SECTION_VALIDATORS = {name: _section(section) for name, section in SECTIONS.items()}


def known_keys(path: tuple[str, ...]) -> list[str]:
    """The keys allowed at ``path`` (list indices dropped), for "did you mean"."""
    path = tuple(p for p in path if isinstance(p, str))
    if not path:
        return list(SECTIONS)
    if len(path) == 1:
        section = SECTIONS.get(path[0], {})
    else:
        section = NESTED.get(path[:2], {})
    return [str(k.schema) for k in section]
