"""The credential kinds of the stream-auth matrix and how each protocol hands them over, shared
by the pure tests (test_stream_auth.py), the HTTP tests and the benchmark."""

from __future__ import annotations

from typing import Any

from camera_service.config.model import AuthConfig
from camera_service.credentials import InternalCredentials
from camera_service.models import Clock
from camera_service.rpc.auth import Authenticator, Role, key_file_entry, mint_token, parse_key_file
from camera_service.web.stream_auth import ACTIONS, payload

from .stack import SECRET  # the real server of the HTTP tests signs with it too

API_KEY = "csk_stream-auth-test-key-0123456789"
NOW = 1_900_000_000.0
PROTOCOLS = ("rtsp", "rtmp", "hls", "webrtc", "srt")
KINDS = ("none", "bad", "expired", "viewer", "operator", "api_key", "internal")
OUR_PATH = "camera0"


class FixedClock(Clock):
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now


KEY_FILE = "keys:\n" + key_file_entry("dashboard", Role.VIEWER, API_KEY)


def authenticator(clock: Clock | None = None) -> Authenticator:
    keys = parse_key_file(KEY_FILE, "keys")
    return Authenticator(AuthConfig(jwt_secret=SECRET), clock or FixedClock(), keys=keys)


def token(kind: str, now: float = NOW) -> str:
    if kind == "bad":
        return "not-a-token"
    if kind == "expired":
        return mint_token(SECRET, "old", Role.ADMIN, 60, now - 3600)
    if kind == "api_key":
        return API_KEY
    return mint_token(SECRET, f"{kind}-user", Role.parse(kind), 3600, now)


def credentials_for(kind: str, action: str, protocol: str, internal: InternalCredentials,
                    now: float = NOW) -> dict[str, str]:
    """The payload fields MediaMTX would send for a client of ``kind`` over ``protocol``."""
    if kind == "none":
        return {}
    if kind == "internal":
        cred = (internal.publisher.issue(OUR_PATH, now) if internal.publisher and action == "publish"
                else internal.api if action in ("api", "metrics", "pprof") else internal.reader)
        assert cred is not None
        return {"user": cred.user, "password": cred.password}
    value = token(kind, now)
    if action in ("api", "metrics", "pprof"):
        return {"user": "admin", "password": value}  # Basic auth to the API
    # how a viewer's player hands the token over, one way per protocol
    return {
        "rtsp": {"user": "any", "password": value},          # rtsp://any:TOKEN@host/camera0
        "srt": {"user": "user", "password": value},          # streamid=read:camera0:user:TOKEN
        "hls": {"token": value},                              # Authorization: Bearer TOKEN
        "webrtc": {"query": f"jwt={value}"},                  # .../whep?jwt=TOKEN
        "rtmp": {"query": f"token={value}"},                  # rtmp://host/camera0?token=TOKEN
    }[protocol]


def expected(kind: str, action: str) -> bool:
    if action == "publish" or action in ("api", "metrics", "pprof"):
        return kind == "internal"
    return kind in ("viewer", "operator", "api_key", "internal")


def matrix() -> list[tuple[str, str, str]]:
    return [(a, p, k) for a in ACTIONS for p in PROTOCOLS for k in KINDS]


def request_body(action: str, protocol: str, kind: str, internal: InternalCredentials,
                 ip: str = "127.0.0.1", path: str = OUR_PATH, now: float = NOW) -> dict[str, Any]:
    return payload(action=action, protocol=protocol, path=path, ip=ip, id=f"{action}-{protocol}-{kind}",
                   **credentials_for(kind, action, protocol, internal, now))
