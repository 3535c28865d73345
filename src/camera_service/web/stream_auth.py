"""MediaMTX's HTTP authentication (``authMethod: http``), decided. Pure: no I/O.

MediaMTX POSTs, for every publish, read and API request, the documented payload
(``user``, ``password``, ``token``, ``ip``, ``action``, ``path``, ``protocol``, ``id``,
``query``); ``decide`` answers allow or deny with the reason. The rules:

* ``publish``: only our own publishers (``camera_service.publisher``, run by MediaMTX's
  ``runOnDemand``), from loopback, on a path we own, each with its one-time credential
  (``publish_grants``): good for one publish session, never on a command line;
* ``read`` / ``playback``: our own readers (snapshots, recordings: the internal reader
  credential, from loopback), or a viewer on a camera path of ours (any other path MediaMTX
  may have is refused): a stream token for that path (``stream_token``, what
  ``get_stream_url`` hands out), or a valid JWT or API key of any role (viewer or above),
  given as ``Authorization: Bearer`` (MediaMTX hands it over as ``token``), as the password
  of any user name (RTSP ``rtsp://any:TOKEN@host/camera0``, HTTP Basic), or as
  ``?jwt=`` / ``?token=`` in the query;
* ``api``, ``metrics``, ``pprof``: only the internal API credential (every local user shares
  loopback, so the address proves nothing).

Anything else is refused. ``NO_CREDENTIALS`` is the normal first answer to an RTSP client:
it sends its credentials only after a 401.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

from .. import stream_token
from ..credentials import InternalCredentials
from ..errors import AuthError
from ..rpc.auth import Authenticator, Role

ACTIONS = ("publish", "read", "playback", "api", "metrics", "pprof")
READ_ACTIONS = frozenset({"read", "playback"})
API_ACTIONS = frozenset({"api", "metrics", "pprof"})
FIELDS = ("user", "password", "token", "ip", "action", "path", "protocol", "id", "query")
NO_CREDENTIALS = "no credentials"
QUERY_KEYS = ("jwt", "token")
MAX_FIELD = 8192  # a JWT is far shorter; longer values are refused unread


@dataclass(frozen=True)
class AuthRequest:
    action: str
    path: str = ""
    protocol: str = ""
    ip: str = ""
    user: str = ""
    password: str = ""
    token: str = ""
    id: str = ""
    query: str = ""

    @classmethod
    def from_payload(cls, payload: object) -> AuthRequest:
        """The request in MediaMTX's JSON body; ``ValueError`` names what is wrong.
        Absent or null fields are empty; unknown fields (``userAgent``) are ignored."""
        if not isinstance(payload, Mapping):
            raise ValueError("expected a JSON object")
        values: dict[str, str] = {}
        for name in FIELDS:
            value = payload.get(name)
            if value is None:
                value = ""
            if not isinstance(value, str):
                raise ValueError(f"field {name!r} must be a string")
            if len(value) > MAX_FIELD:
                raise ValueError(f"field {name!r} is longer than {MAX_FIELD} characters")
            values[name] = value
        if values["action"] not in ACTIONS:
            raise ValueError(f"unknown action {values['action']!r}")
        return cls(**values)

    @property
    def session(self) -> str:
        """What identifies one client session for logging: MediaMTX's id when it gives one."""
        return self.id or f"{self.ip}/{self.protocol}/{self.path}/{self.user}"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # why it was refused, or who was let in
    who: str = ""  # "publisher", "reader", "api", "jwt:alice", "api_key:dashboard"


@lru_cache(maxsize=256)
def is_loopback(ip: str | None) -> bool:
    if not ip:
        return False
    try:
        address = ipaddress.ip_address(ip.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def reachable_from_loopback(host: str) -> bool:
    """Whether a server bound to ``host`` can be asked over loopback (where MediaMTX asks)."""
    return host in ("0.0.0.0", "::", "", "localhost") or is_loopback(host)


def query_tokens(query: str) -> list[str]:
    """``jwt`` and ``token`` values of a query string (with or without its ``?``)."""
    if not query:
        return []
    try:
        pairs = parse_qsl(query.lstrip("?"), keep_blank_values=False, max_num_fields=32)
    except ValueError:
        return []
    return [v for k, v in pairs if k in QUERY_KEYS and v]


def _deny(reason: str) -> Decision:
    return Decision(False, reason)


def decide(
    req: AuthRequest,
    authenticator: Authenticator,
    internal: InternalCredentials,
    owns: Callable[[str], bool],
    now: float = 0.0,
) -> Decision:
    """Allow or deny one MediaMTX request; ``owns(path)`` says whether a path is ours;
    ``now`` (Unix time) dates the one-time publisher credentials."""
    if req.action == "publish":
        return _publish(req, internal, owns, now)
    if req.action in READ_ACTIONS:
        return _read(req, authenticator, internal, owns)
    if req.action in API_ACTIONS:
        api = internal.api
        if not req.user and not req.password:
            return _deny(NO_CREDENTIALS)
        if api is None or not api.matches(req.user, req.password):
            return _deny(f"{req.action} needs the service's internal API credential")
        return Decision(True, "internal API credential", "api")
    return _deny(f"unknown action {req.action!r}")  # pragma: no cover - from_payload checks


def _publish(req: AuthRequest, internal: InternalCredentials, owns: Callable[[str], bool],
             now: float) -> Decision:
    grants = internal.publisher
    if grants is None:
        return _deny("publishing is not managed by this service (stream_auth: none)")
    if not is_loopback(req.ip):
        return _deny(f"publish from {req.ip or 'an unknown address'}: only loopback may publish")
    if not owns(req.path):
        return _deny(f"path {req.path!r} is not a camera path of this service")
    if not req.user and not req.password:
        return _deny(NO_CREDENTIALS)
    why = grants.redeem(req.path, req.user, req.password, req.id, now)
    if why:
        return _deny(why)
    return Decision(True, "one-time publisher credential", "publisher")


def _candidates(req: AuthRequest) -> list[str]:
    seen: list[str] = []
    for value in (req.token, req.password, *query_tokens(req.query)):
        if value and value not in seen:
            seen.append(value)
    return seen


def _viewer(token: str, path: str, authenticator: Authenticator) -> Decision:
    """One candidate token: a stream token for ``path``, a JWT or an API key."""
    if stream_token.looks_like(token):
        why = authenticator.check_stream_token(token, path)
        return _deny(why) if why else Decision(True, f"stream token for {path}", "stream_token")
    try:
        principal = authenticator.authenticate(token)
    except AuthError as e:
        return _deny(str(e))
    if principal.role < Role.VIEWER:  # pragma: no cover - every role is viewer or above
        return _deny(f"role {principal.role.label} may not watch")
    return Decision(True, f"{principal.role.label} {principal.user_id}",
                    f"{principal.method}:{principal.user_id}")


def _read(
    req: AuthRequest,
    authenticator: Authenticator,
    internal: InternalCredentials,
    owns: Callable[[str], bool],
) -> Decision:
    reader = internal.reader
    if reader is not None and req.user == reader.user:
        if not reader.matches(req.user, req.password):
            return _deny("wrong password of the internal reader")
        if not is_loopback(req.ip):
            return _deny(f"internal reader from {req.ip or 'an unknown address'}: loopback only")
        if not owns(req.path):
            return _deny(f"path {req.path!r} is not a camera path of this service")
        return Decision(True, "internal reader", "reader")
    candidates = _candidates(req)
    if not candidates:
        return _deny(NO_CREDENTIALS)
    if not owns(req.path):  # viewers watch cameras, not whatever else MediaMTX may have
        return _deny(f"path {req.path!r} is not a camera path of this service")
    first_error = ""
    for token in candidates:
        decision = _viewer(token, req.path, authenticator)
        if decision.allowed:
            return decision
        first_error = first_error or decision.reason
    return _deny(first_error)


def payload(**fields: Any) -> dict[str, Any]:
    """A MediaMTX auth payload with every documented field (empty unless given): for
    tests and the benchmark."""
    body: dict[str, Any] = dict.fromkeys((*FIELDS, "userAgent"), "")
    body.update(fields)
    return body
