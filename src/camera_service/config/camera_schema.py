"""The ``cameras`` section of the configuration schema: USB filters, network cameras, the
test pattern, names, discovery, CSI modes and recording modes (per camera overrides of the
default mode, checked by ``recording_modes``). Pure, like ``schema``.
"""

from __future__ import annotations

from typing import Any

import voluptuous as vol

from ..recording_modes import ModeSpec, spec_from_mapping
from .motion_schema import motion
from .validators import (
    CAMERA_ID,
    PORT,
    boolean,
    camera_id,
    cidr,
    got,
    host_or_cidr,
    integer,
    invalid_at,
    kind_of,
    number,
    one_of,
    rtsp_path,
    section,
    string,
    string_list,
    url,
)

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
        raise vol.Invalid(f"expected true, false, auto or a mapping, got {got(value)}")
    return section(TEST_PATTERN)(value)


def _names(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise vol.Invalid(f"expected a mapping of camera id or serial to name, got {kind_of(value)}")
    for k, v in value.items():
        if not isinstance(k, str) or not isinstance(v, str) or not v.strip():
            raise vol.Invalid(f"expected name strings, got {got(k)}: {got(v)}", path=[k])
    return value


def _network(value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise vol.Invalid(f"expected a list of cameras, got {kind_of(value)}")
    out, errors = [], []
    for i, item in enumerate(value):
        try:
            out.append(section(NETWORK_CAMERA)(item))
        except vol.MultipleInvalid as e:
            errors += [vol.Invalid(err.msg, [i, *err.path]) for err in e.errors]
        except vol.Invalid as e:
            errors.append(vol.Invalid(e.msg, [i, *e.path]))
    if errors:
        raise vol.MultipleInvalid(errors)
    return out


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

EXTERNAL = {
    vol.Optional("allow"): string_list(cidr),  # [] refuses every stream added at run time
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
        raise vol.Invalid(f"expected a mapping of camera id to CSI mode, got {kind_of(value)}")
    out, errors = {}, []
    for key, item in value.items():
        try:
            out[camera_id(key)] = section(CSI_CAMERA)(item)
        except vol.MultipleInvalid as e:
            errors += [vol.Invalid(err.msg, [key, *err.path]) for err in e.errors]
        except vol.Invalid as e:
            errors.append(vol.Invalid(e.msg, [key, *e.path]))
    if errors:
        raise vol.MultipleInvalid(errors)
    return out


RECORDING_KEYS = ("mode", "schedule", "segment_seconds", "format", "retention")
RECORDING_EXTRA = ("cameras", "retry_min", "retry_max", "retention_interval", "buffer_mb")


def _mode_spec(data: dict[str, Any], base: ModeSpec | None, where: list[Any]) -> ModeSpec:
    if data.get("mode") is False:  # YAML 1.1 reads a bare `mode: off` as false
        data = {**data, "mode": "off"}
    try:
        return spec_from_mapping(data, base)
    except ValueError as e:
        raise invalid_at(e, where) from None


def _recording(value: Any) -> dict[str, Any]:
    """``cameras.recording``: mode keys (the default of every camera), ``cameras`` with
    per-camera overrides of those keys, and the retry/retention timings."""
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise vol.Invalid(f"expected a mapping, got {kind_of(value)}")
    for key in value:
        if key not in RECORDING_KEYS + RECORDING_EXTRA:
            raise vol.Invalid("extra keys not allowed", path=[key])
    out: dict[str, Any] = {}
    default = _mode_spec({k: v for k, v in value.items() if k in RECORDING_KEYS}, None, [])
    out["default"] = default
    per_camera = value.get("cameras") or {}
    if not isinstance(per_camera, dict):
        raise vol.Invalid(
            f"expected a mapping of camera id to mode, got {kind_of(per_camera)}", path=["cameras"]
        )
    cams: dict[str, ModeSpec] = {}
    for cam, data in per_camera.items():
        if not isinstance(cam, str) or not CAMERA_ID.match(cam):
            raise vol.Invalid(f"expected an id like camera0, got {got(cam)}", path=["cameras", cam])
        if not isinstance(data, dict):
            raise vol.Invalid(f"expected a mapping, got {kind_of(data)}", path=["cameras", cam])
        cams[cam] = _mode_spec(data, default, ["cameras", cam])
    out["cameras"] = cams
    checks = {"retry_min": number(0), "retry_max": number(0), "retention_interval": number(0),
              "buffer_mb": number(1, strict=False)}  # fmt: skip
    for key, check in checks.items():
        if key in value:
            try:
                out[key] = check(value[key])
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
    vol.Optional("discovery"): section(DISCOVERY),
    vol.Optional("external"): section(EXTERNAL),
    vol.Optional("csi"): _csi,
    vol.Optional("recording"): _recording,
    vol.Optional("motion"): motion,
}
