"""What each fuzz target feeds and what it checks (pure: no sockets, no files read).

* ``frames``: one WebSocket text frame through ``protocol.handle`` with a dispatch that
  echoes: a reply is valid JSON-RPC, never an internal error, never an exception;
* ``nesting``: the nesting check on anything; on valid JSON it equals the lexer's depth;
* ``auth``: an ``authenticate`` request (JWT-shaped tokens signed with our secret or not,
  API keys, odd params) through the real dispatcher: a session gets a role only from a
  token that deserves it, and refusals are -32001/-32602, never -32603;
* ``links``: a signed download link, mutated, parsed as ``/files`` parses it (yarl), then
  verified: only the untouched link for that file passes; plus the Range/Host/Origin
  checks on the same text;
* ``config``: YAML text through the loader: a ``Config`` or a ``ConfigError``, nothing else.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import yaml
from yarl import URL

from camera_service.cameras.registry import CameraRegistry
from camera_service.config import validate
from camera_service.config.load import parse_yaml
from camera_service.config.model import AuthConfig, Config, ServerConfig
from camera_service.errors import ConfigError, LinkRefused
from camera_service.links import LinkSigner, file_path
from camera_service.models import Clock
from camera_service.rpc import nesting, protocol
from camera_service.rpc.auth import ApiKey, Authenticator, Role, hash_key
from camera_service.rpc.context import RpcContext
from camera_service.rpc.methods import Dispatcher
from camera_service.rpc.session import Session
from camera_service.web.files import range_unsatisfiable
from camera_service.web.hosts import allowed_names, host_allowed
from camera_service.web.security import origin_allowed, plain_filename

SECRET = "fuzz-secret-0123456789abcdef-0123456789"
API_KEY = "csk_fuzz-key"
NOW = 1_900_000_000.0


def text_or_bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8", "surrogatepass") if isinstance(value, str) else b"\x00bin:" + value


def from_corpus(data: bytes) -> str | bytes:
    return data[5:] if data.startswith(b"\x00bin:") else data.decode("utf-8", "surrogatepass")


def as_text(data: bytes) -> str:
    return data.decode("utf-8", "surrogatepass")


def _run(coro: Any) -> Any:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


def _reference_depth(data: bytes) -> int:
    depth = deepest = 0
    in_string = escaped = False
    for c in data:
        if in_string:
            if escaped:
                escaped = False
            elif c == 0x5C:
                escaped = True
            elif c == 0x22:
                in_string = False
        elif c == 0x22:
            in_string = True
        elif c in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in b"]}":
            depth -= 1
    return deepest


# -- frames ----------------------------------------------------------------------------------


async def _answer(method: str, params: Any) -> Any:
    return {"method": method}


def check_frame(frame: str | bytes) -> None:
    reply = _run(protocol.handle(frame, _answer))
    if reply is None:
        return
    decoded = json.loads(reply)
    for r in decoded if isinstance(decoded, list) else [decoded]:
        assert r["jsonrpc"] == "2.0" and "id" in r and ("result" in r) != ("error" in r), r
        assert "error" not in r or r["error"]["code"] in (-32700, -32600), r


def check_nesting(text: str | bytes) -> None:
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    deep = nesting.nests_deeper(data, protocol.MAX_DEPTH)
    assert isinstance(deep, bool)
    if len(data) <= 20_000:
        try:
            json.loads(data)
        except (ValueError, RecursionError):
            assert nesting.max_depth(data) >= 0
        else:
            assert nesting.max_depth(data) == _reference_depth(data)


# -- auth ------------------------------------------------------------------------------------


class _Now(Clock):
    def time(self) -> float:
        return NOW


_CTX = RpcContext(
    cameras=CameraRegistry(),
    config=Config(auth=AuthConfig(jwt_secret=SECRET)),
    clock=_Now(),
    auth=Authenticator(
        AuthConfig(jwt_secret=SECRET),
        _Now(),
        keys={hash_key(API_KEY): ApiKey("fuzz", Role.VIEWER, hash_key(API_KEY))},
    ),
)
_DISPATCHER = Dispatcher(_CTX)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt_like(header: Any, claims: Any, key: str | None) -> str:
    """A token with these parts; signed with ``key`` (HS256) when given, else garbage."""
    head = b64(json.dumps(header).encode())
    body = b64(json.dumps(claims).encode())
    if key is None:
        return f"{head}.{body}.{b64(b'not-a-signature')}"
    sig = hmac.new(key.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


def check_auth(frame: str) -> None:
    session = Session()

    async def dispatch(method: str, params: Any) -> Any:
        return await _DISPATCHER.call(session, method, params)

    reply = _run(protocol.handle(frame, dispatch))
    if reply is None:
        return
    decoded = json.loads(reply)
    for r in decoded if isinstance(decoded, list) else [decoded]:
        if "error" in r:
            assert r["error"]["code"] != -32603, r
    if session.principal is not None:  # a role only for a token that deserves it
        request = json.loads(frame)
        members = request if isinstance(request, list) else [request]
        tokens = [_token_of(m) for m in members if isinstance(m, dict) and m.get("method") == "authenticate"]
        assert any(t is not None and _deserves(t) for t in tokens), (frame, session.principal)


def _token_of(member: dict[str, Any]) -> str | None:
    params = member.get("params")
    if isinstance(params, list):
        params = dict(zip(("auth_token", "token", "auth_type"), params, strict=False))
    if not isinstance(params, dict):
        return None
    token = params.get("auth_token") if params.get("auth_token") is not None else params.get("token")
    return token if isinstance(token, str) else None


def _deserves(token: str) -> bool:
    """The API key, or a JWT whose HS256 signature is ours (checked here independently)."""
    if token == API_KEY:
        return True
    parts = token.split(".")
    if len(parts) != 3:
        return False
    mac = hmac.new(SECRET.encode(), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    return hmac.compare_digest(b64(mac), parts[2].rstrip("="))


# -- links and headers -----------------------------------------------------------------------

SIGNER = LinkSigner(b"k" * 32, 3600)
NAMES = allowed_names(ServerConfig(public_host="cam.lan", allowed_hosts=("*.corp.example",)))


def check_link(link: str) -> None:
    try:
        url = URL(link)
        parts = url.path.split("/")
        query = url.query
    except (ValueError, TypeError, UnicodeError):
        return
    if len(parts) != 4 or parts[1] != "files" or parts[2] not in ("snapshots", "recordings"):
        return
    kind, name = parts[2], parts[3]
    plain_filename(name)
    try:
        SIGNER.verify(kind, name, query.get("expires"), query.get("sig"), NOW)
    except LinkRefused:
        return
    # accepted: it must be exactly our signature for this file, not expired
    assert query.get("sig") == SIGNER.signature(kind, name, int(query["expires"])), link
    assert int(query["expires"]) > NOW, link


def genuine_link(kind: str, name: str) -> str:
    return f"http://cam.lan:8002{file_path(kind, name)}?{SIGNER.query(kind, name, NOW)}"


def check_headers(value: str) -> None:
    range_unsatisfiable(value, len(value))
    assert isinstance(host_allowed(value, NAMES), bool)
    assert isinstance(origin_allowed(value, value, ("https://a.example",), "https", (value,)), bool)


# -- config ----------------------------------------------------------------------------------

BASE = Path("/nonexistent-fuzz-base")
_FILE_KEYS = ("jwt_secret_file", "api_key_file", "tls_cert", "tls_key")


def _no_absolute_files(data: Any) -> Any:
    """Files the config names are made relative to ``BASE`` (which does not exist), so the
    fuzzer never reads a file (say /dev/zero) it invented."""
    if isinstance(data, dict):
        return {
            k: (v.lstrip("/") if k in _FILE_KEYS and isinstance(v, str) else _no_absolute_files(v))
            for k, v in data.items()
        }
    return data


def check_config(text: str) -> None:
    try:
        data = parse_yaml(text, "fuzz.yaml")
        validate(_no_absolute_files(data), BASE)
    except ConfigError as e:
        assert e.lines() and all(isinstance(line, str) for line in e.lines())


def yaml_text(value: Any) -> str:
    try:
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's when there (fast)
        return yaml.dump(value, Dumper=dumper, default_flow_style=False, allow_unicode=True)
    except yaml.YAMLError:
        return "{}"
