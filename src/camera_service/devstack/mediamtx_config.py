"""MediaMTX's configuration for a development stack, rendered from the Ansible role's own
template and defaults (``ansible/roles/mediamtx``), so ``make run`` runs MediaMTX with the
settings a deployment gets: stream auth through the service's ``/mediamtx/auth`` (nothing
excluded), the API on loopback, RTMP/SRT/MoQ closed. Only the addresses change: every
listener on loopback, the ports and the auth address taken from the service's config.

No I/O but reading the role's files (``render`` takes their text).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from ..config.model import Config

ROLE = Path(__file__).resolve().parents[3] / "ansible" / "roles" / "mediamtx"
TEMPLATE = ROLE / "templates" / "mediamtx.yml.j2"
DEFAULTS = ROLE / "defaults" / "main.yml"
LOOPBACK = "127.0.0.1"
WEBRTC_UDP_PORT = 8189  # MediaMTX's default ICE UDP port, here on loopback
RTP_PORT = 8000  # MediaMTX's default RTSP/UDP ports (RTP, RTCP), here on loopback


def _bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("yes", "true", "1", "on")
    return bool(value)


def _ternary(value: Any, yes: Any, no: Any) -> Any:
    return yes if value else no


def role_variables(defaults_text: str, cfg: Config) -> dict[str, Any]:
    """The role's defaults, with the service's ports and loopback addresses."""
    variables: dict[str, Any] = yaml.safe_load(defaults_text)
    api = urlsplit(cfg.mediamtx.api_url)
    variables.update({
        "ansible_managed": "rendered by camera_service.devstack from the mediamtx role",
        "mediamtx_api_address": f"{LOOPBACK}:{api.port or 9997}",
        "mediamtx_auth_http_address": f"http://{LOOPBACK}:{cfg.server.port}/mediamtx/auth",
        "mediamtx_stream_auth": cfg.mediamtx.stream_auth == "service",
        "mediamtx_rtsp_port": cfg.mediamtx.rtsp_port,
        "mediamtx_hls_port": cfg.mediamtx.hls_port,
        "mediamtx_webrtc_port": cfg.mediamtx.webrtc_port,
        "_mediamtx_api_user": cfg.mediamtx.api_user or "camera-service",
        "_mediamtx_api_password": cfg.mediamtx.api_password or "",
    })
    return variables


def render(template_text: str, defaults_text: str, cfg: Config, webrtc_udp_port: int = WEBRTC_UDP_PORT,
           rtp_port: int = RTP_PORT) -> dict[str, Any]:
    """The role's ``mediamtx.yml`` for ``cfg``, as a mapping, every listener on loopback
    (the UDP ports, which the service's config does not name, as given)."""
    import jinja2  # here: a development tool's dependency, not the service's

    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False)
    env.filters.update({"to_json": json.dumps, "bool": _bool, "ternary": _ternary})
    text = env.from_string(template_text).render(**role_variables(defaults_text, cfg))
    conf: dict[str, Any] = yaml.safe_load(text)
    for key, port in (("rtspAddress", cfg.mediamtx.rtsp_port), ("hlsAddress", cfg.mediamtx.hls_port),
                      ("webrtcAddress", cfg.mediamtx.webrtc_port)):
        conf[key] = f"{LOOPBACK}:{port}"
    conf["webrtcLocalUDPAddress"] = f"{LOOPBACK}:{webrtc_udp_port}"
    conf["webrtcLocalTCPAddress"] = ""
    conf["rtpAddress"] = f"{LOOPBACK}:{rtp_port}"  # RTSP over UDP (rtspTransports has udp)
    conf["rtcpAddress"] = f"{LOOPBACK}:{rtp_port + 1}"
    return conf


def render_role(cfg: Config, webrtc_udp_port: int = WEBRTC_UDP_PORT, rtp_port: int = RTP_PORT) -> str:
    """``render`` with the role's files from this checkout, as YAML text."""
    conf = render(TEMPLATE.read_text(encoding="utf-8"), DEFAULTS.read_text(encoding="utf-8"), cfg,
                  webrtc_udp_port, rtp_port)
    return yaml.safe_dump(conf, sort_keys=False)
