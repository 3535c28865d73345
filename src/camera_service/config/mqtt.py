"""``mqtt:``: the MQTT integration's schema (voluptuous) and its build into ``MqttConfig``.

Off unless ``enabled: true``. Topics are checked here (no wildcards, no empty level, no
leading or trailing ``/``), the password is read from ``password_file`` (never in the YAML),
and TLS files must be readable, so a bad setting stops the start with its key (exit 78).
"""

from __future__ import annotations

import importlib.util
import os
import re
import socket
import ssl
from pathlib import Path
from typing import Any

import voluptuous as vol

from .model import MQTT_COMMANDS, MqttConfig, MqttTlsConfig
from .validators import PORT, boolean, got, host, integer, number, one_of, path, section, string, string_list

Problems = list[tuple[str, str]]

TLS = {
    vol.Optional("ca"): vol.Any(None, path),
    vol.Optional("cert"): vol.Any(None, path),
    vol.Optional("key"): vol.Any(None, path),
}


def topic(value: Any) -> str:
    """An MQTT topic to publish under: no wildcard (``+``/``#``), no empty level, no NUL."""
    if not isinstance(value, str) or not value or len(value.encode("utf-8")) > 200:
        raise vol.Invalid(f"expected a topic like camera-service/host, got {got(value)}")
    if any(c in value for c in "+#\0") or any(not level for level in value.split("/")):
        raise vol.Invalid(f"expected a topic without +, # or empty levels, got {got(value)}")
    return value


def client_id(value: Any) -> str:
    if not isinstance(value, str) or not value or len(value) > 128 or any(c in value for c in "\0\n"):
        raise vol.Invalid(f"expected a client id of 1..128 characters, got {got(value)}")
    return value


def nullable(check: Any) -> Any:
    """``check``, or ``None`` (keeps ``check``'s own message, which ``vol.Any`` would not)."""
    return lambda value: None if value is None else check(value)


MQTT = {
    vol.Optional("enabled"): boolean,
    vol.Optional("host"): host,
    vol.Optional("port"): PORT,
    vol.Optional("tls"): vol.Any(None, section(TLS)),
    vol.Optional("username"): vol.Any(None, string),
    vol.Optional("password_file"): vol.Any(None, path),
    vol.Optional("client_id"): nullable(client_id),
    vol.Optional("base_topic"): nullable(topic),
    vol.Optional("qos"): integer(0, 2),
    vol.Optional("keepalive"): integer(5, 3600),
    vol.Optional("discovery"): boolean,
    vol.Optional("discovery_prefix"): topic,
    vol.Optional("commands"): string_list(one_of(*MQTT_COMMANDS)),
    vol.Optional("reconnect_min"): number(0),
    vol.Optional("reconnect_max"): number(0),
    vol.Optional("snapshot_max_bytes"): integer(1024, 64 * 1024 * 1024),
}

SAFE_LEVEL = re.compile(r"[^A-Za-z0-9_.-]")


def default_node() -> str:
    """This host's name as one topic level (``camera-service/<hostname>``)."""
    return SAFE_LEVEL.sub("_", socket.gethostname().split(".")[0]) or "localhost"


def build_mqtt(d: dict[str, Any], base: Path, problems: Problems) -> MqttConfig:
    d = dict(d)
    tls_d = d.pop("tls", None)
    tls = None
    if tls_d is not None:
        files = {k: _resolve(base, tls_d.get(k)) for k in ("ca", "cert", "key")}
        for key, file in files.items():
            if file is not None and not os.access(file, os.R_OK):
                why = "does not exist" if not file.exists() else "is not readable"
                problems.append((f"mqtt.tls.{key}", f"'{file}' {why}"))
        if (files["cert"] is None) != (files["key"] is None):
            problems.append(("mqtt.tls.key", "cert and key must be given together"))
        elif all(f is None or os.access(f, os.R_OK) for f in files.values()):
            _check_tls(files, problems)
        tls = MqttTlsConfig(**files)
    password_file = _resolve(base, d.pop("password_file", None))
    password = None
    if password_file is not None:
        password = _read_password(password_file, problems)
        if not d.get("username"):
            problems.append(("mqtt.username", "required when mqtt.password_file is set"))
    node = default_node()
    if d.get("base_topic") is None:
        d["base_topic"] = f"camera-service/{node}"
    if d.get("client_id") is None:
        d["client_id"] = f"camera-service-{node}"
    if "commands" in d:
        d["commands"] = tuple(dict.fromkeys(d["commands"]))
    lo = d.get("reconnect_min", MqttConfig.reconnect_min)
    hi = d.get("reconnect_max", MqttConfig.reconnect_max)
    if hi < lo:
        problems.append(("mqtt.reconnect_max", f"must be >= reconnect_min ({lo:g})"))
    config = MqttConfig(**d, tls=tls, password_file=password_file, password=password)
    if config.enabled and importlib.util.find_spec("paho") is None:
        problems.append(("mqtt.enabled", "needs paho-mqtt: apt-get install python3-paho-mqtt"))
    if config.discovery_prefix == config.base_topic or config.base_topic.startswith(
        config.discovery_prefix + "/"
    ):
        problems.append(("mqtt.base_topic", "must not lie under mqtt.discovery_prefix"))
    return config


def _check_tls(files: dict[str, Path | None], problems: Problems) -> None:
    """The CA and the client certificate load (PEM, the key matches the certificate)."""
    ca, cert, key = files["ca"], files["cert"], files["key"]
    try:
        ctx = ssl.create_default_context(cafile=str(ca) if ca else None)
    except (ssl.SSLError, OSError) as e:
        problems.append(("mqtt.tls.ca", f"'{ca}' is not a PEM CA certificate: {e}"))
        return
    if cert is not None and key is not None:
        try:
            ctx.load_cert_chain(str(cert), str(key))
        except (ssl.SSLError, OSError) as e:
            problems.append(("mqtt.tls.cert", f"'{cert}' with '{key}' do not load as a client "
                                              f"certificate and its key: {e}"))


def _resolve(base: Path, value: str | None) -> Path | None:
    if value is None:
        return None
    p = Path(os.path.expanduser(value))
    return p if p.is_absolute() else (base / p)


def _read_password(file: Path, problems: Problems) -> str | None:
    try:
        if file.stat().st_mode & 0o002:
            problems.append(("mqtt.password_file", f"'{file}' is writable by every user: chmod o-w it"))
            return None
        secret = file.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        problems.append(("mqtt.password_file", f"cannot read '{file}': {reason}"))
        return None
    if not secret:
        problems.append(("mqtt.password_file", f"'{file}' is empty"))
        return None
    return secret
