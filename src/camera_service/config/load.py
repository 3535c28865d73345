"""YAML file → validated, frozen ``Config``. Every problem is reported at once, each with the
path of its key; nothing here raises anything but ``ConfigError``."""

from __future__ import annotations

import dataclasses
import difflib
import os
from pathlib import Path
from types import MappingProxyType
from typing import Any

import voluptuous as vol
import yaml

from ..errors import ConfigError
from ..recording_modes import ModeSpec
from . import schema
from .model import (
    DISCOVERY_MIN_INTERVAL,
    AuthConfig,
    CamerasConfig,
    Config,
    CsiCameraConfig,
    DiscoveryConfig,
    ExternalConfig,
    LoggingConfig,
    MediaMTXConfig,
    NetworkCameraConfig,
    RecordingConfig,
    RetentionConfig,
    ServerConfig,
    StorageConfig,
    TestPatternConfig,
)

Problems = list[tuple[str, str]]


def _dotted(path: list[Any]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _explain(error: vol.Invalid) -> tuple[str, str]:
    path = list(error.path)
    where = _dotted(path)
    msg = error.error_message
    if msg == "extra keys not allowed" and path:
        key = str(path[-1])
        known = schema.known_keys(tuple(path[:-1]))
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(known)}"
        return where, f"unknown key{hint}"
    if msg == "required key not provided":
        return where, "required key missing"
    return where, msg


def parse_yaml(text: str, source: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ConfigError([("", f"{source}: not valid YAML{at}: {problem}")]) from None
    if data is None:
        raise ConfigError([("", f"{source}: the file is empty; expected a mapping of sections")])
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else type(data).__name__
        raise ConfigError([("", f"{source}: expected a mapping of sections, got {kind}")])
    return data


def validate(data: dict[str, Any], base_dir: Path | None = None) -> Config:
    """Validate a parsed mapping (pure apart from reading secret files named in it)."""
    problems: Problems = []
    clean: dict[str, Any] = {}
    for key in data:
        if key not in schema.SECTION_VALIDATORS:
            problems.append(_explain(vol.Invalid("extra keys not allowed", [key])))
    failed: set[str] = set()
    for name, check in schema.SECTION_VALIDATORS.items():
        if name not in data:
            continue
        try:
            clean[name] = check(data[name])
        except vol.MultipleInvalid as e:
            problems += [_explain(vol.Invalid(err.msg, [name, *err.path])) for err in e.errors]
            failed.add(name)
        except vol.Invalid as e:
            problems.append(_explain(vol.Invalid(e.msg, [name, *e.path])))
            failed.add(name)
    # cross-field checks run on every section that validated, so one run reports everything
    build_problems: Problems = []
    config = _build(clean, base_dir or Path.cwd(), build_problems)
    problems += [p for p in build_problems if p[0].split(".")[0] not in failed]
    if problems:
        raise ConfigError(sorted(set(problems)))
    return config


def load_config(path: Path) -> Config:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise ConfigError([("", f"cannot read {path}: {reason}")]) from None
    config = validate(parse_yaml(text, str(path)), path.resolve().parent)
    return dataclasses.replace(config, source=path)


# -- building the dataclasses -------------------------------------------------------------


def _resolve(base: Path, value: str | None) -> Path | None:
    if value is None:
        return None
    p = Path(os.path.expanduser(value))
    return p if p.is_absolute() else (base / p)


def _read_secret(where: str, path: Path, problems: Problems) -> str | None:
    try:
        secret = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        problems.append((where, f"cannot read '{path}': {reason}"))
        return None
    size = len(secret.encode("utf-8"))
    if size < schema.JWT_SECRET_MIN_BYTES:
        problems.append((where, f"the secret in '{path}' is {size} bytes, shorter than "
                                f"{schema.JWT_SECRET_MIN_BYTES} ({schema.JWT_SECRET_HINT})"))
        return None
    return secret


def _check_readable(where: str, path: Path | None, problems: Problems) -> None:
    if path is not None and not os.access(path, os.R_OK):
        why = "does not exist" if not path.exists() else "is not readable"
        problems.append((where, f"'{path}' {why}"))


def _build(c: dict[str, Any], base: Path, problems: Problems) -> Config:
    server_d = dict(c.get("server") or {})
    for key in ("tls_cert", "tls_key"):
        server_d[key] = _resolve(base, server_d.get(key))
        _check_readable(f"server.{key}", server_d[key], problems)
    if (server_d["tls_cert"] is None) != (server_d["tls_key"] is None):
        problems.append(("server.tls_key", "tls_cert and tls_key must be given together"))
    if "allowed_origins" in server_d:
        server_d["allowed_origins"] = tuple(server_d["allowed_origins"])
    server = ServerConfig(**server_d)

    auth_d = dict(c.get("auth") or {})
    auth_d["jwt_secret_file"] = _resolve(base, auth_d.get("jwt_secret_file"))
    auth_d["api_key_file"] = _resolve(base, auth_d.get("api_key_file"))
    if auth_d.get("jwt_secret") and auth_d["jwt_secret_file"]:
        problems.append(("auth.jwt_secret", "give jwt_secret or jwt_secret_file, not both"))
    elif auth_d["jwt_secret_file"] is not None:
        auth_d["jwt_secret"] = _read_secret("auth.jwt_secret_file", auth_d["jwt_secret_file"], problems)
    elif not auth_d.get("jwt_secret"):
        problems.append(("auth.jwt_secret", "required: set auth.jwt_secret or auth.jwt_secret_file"))
    _check_readable("auth.api_key_file", auth_d["api_key_file"], problems)
    auth = AuthConfig(**auth_d)

    mediamtx = MediaMTXConfig(**(c.get("mediamtx") or {}))
    if mediamtx.api_user and not mediamtx.api_password:
        problems.append(("mediamtx.api_password", "required when mediamtx.api_user is set"))
    if mediamtx.api_user and ":" in mediamtx.api_user:
        problems.append(("mediamtx.api_user", "cannot contain ':' (HTTP basic auth)"))

    cams_d = dict(c.get("cameras") or {})
    for key in ("include", "exclude"):
        if key in cams_d:
            cams_d[key] = tuple(cams_d[key])
    network = tuple(NetworkCameraConfig(**n) for n in cams_d.get("network", []))
    ids = [n.id for n in network if n.id]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(("cameras.network", f"id {dup} is used twice"))
    cams_d["network"] = network
    if "test_pattern" in cams_d:
        cams_d["test_pattern"] = TestPatternConfig(**cams_d["test_pattern"])
    if "names" in cams_d:
        cams_d["names"] = MappingProxyType(dict(cams_d["names"]))
    if "discovery" in cams_d:
        cams_d["discovery"] = _discovery(cams_d["discovery"], problems)
    if "external" in cams_d:
        cams_d["external"] = ExternalConfig(**{k: tuple(v) for k, v in cams_d["external"].items()})
    if "csi" in cams_d:
        cams_d["csi"] = MappingProxyType({k: CsiCameraConfig(**v) for k, v in cams_d["csi"].items()})
    if "recording" in cams_d:
        rec = dict(cams_d["recording"])
        rec["cameras"] = MappingProxyType(rec["cameras"])
        cams_d["recording"] = RecordingConfig(**rec)
    cameras = CamerasConfig(**cams_d)

    st_d = dict(c.get("storage") or {})
    state_dir = _resolve(base, st_d.get("state_dir")) or StorageConfig.state_dir
    st_d["state_dir"] = state_dir
    st_d["snapshots_dir"] = _resolve(base, st_d.get("snapshots_dir")) or state_dir / "snapshots"
    st_d["recordings_dir"] = _resolve(base, st_d.get("recordings_dir")) or state_dir / "recordings"
    if st_d["snapshots_dir"] == st_d["recordings_dir"]:
        problems.append(("storage.recordings_dir", "must differ from storage.snapshots_dir"))
    if "retention" in st_d:
        st_d["retention"] = RetentionConfig(**st_d["retention"])
    storage = StorageConfig(**st_d)

    logging_ = LoggingConfig(**(c.get("logging") or {}))
    return Config(server, auth, mediamtx, cameras, storage, logging_)


def _discovery(d: dict[str, Any], problems: Problems) -> DiscoveryConfig:
    d = {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}
    discovery = DiscoveryConfig(**d)
    interval = discovery.scan_interval
    if 0 < interval < DISCOVERY_MIN_INTERVAL:
        problems.append(("cameras.discovery.scan_interval",
                         f"must be 0 (no schedule) or at least {DISCOVERY_MIN_INTERVAL} s"))
    if discovery.enabled and not discovery.hosts:
        problems.append(("cameras.discovery.hosts", "required when discovery is enabled"))
    return discovery


# -- showing the effective config -----------------------------------------------------------

SECRET_FIELDS = {"jwt_secret", "api_password"}


def _plain(value: Any, key: str = "") -> Any:
    if isinstance(value, ModeSpec):
        return value.as_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name), f.name) for f in dataclasses.fields(value)}
    if key in SECRET_FIELDS and value:
        return "********"
    if key == "url" and isinstance(value, str):
        from urllib.parse import urlsplit

        parts = urlsplit(value)
        if parts.password:
            return value.replace(f":{parts.password}@", ":********@", 1)
        return value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, MappingProxyType | dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def effective_yaml(config: Config) -> str:
    """The effective configuration as YAML with secrets masked (``--check-config``)."""
    data = _plain(config)
    data.pop("source", None)
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False)
