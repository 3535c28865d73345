"""Who is calling: JWT (HS256) and API keys, and the role order viewer < operator < admin.

API key file (YAML; keys are stored only as SHA-256 hex digests)::

    keys:
      - name: dashboard          # shown as the session's user_id
        role: viewer             # viewer | operator | admin
        sha256: 9f86d081884c7d65...   # hash of the key: `camera-ctl apikey --role viewer`

``Authenticator.reload(config)`` re-reads the secret and the key file (the service calls it
on SIGHUP); a broken file is reported and the keys in force are kept. Expiry (and, for API
keys, revocation by a reload) is checked on every call through ``check``.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import logging
import math
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jwt
import yaml

from .. import stream_token
from ..config.model import AuthConfig
from ..errors import AuthError, ConfigError
from ..links import link_key
from ..models import Clock

log = logging.getLogger(__name__)

MAX_TIME = 253_402_300_799  # 9999-12-31T23:59:59Z: the last second an ISO date can show
IAT_SKEW = 60.0  # seconds a token's iat may lie ahead of our clock (the minter's runs fast)


class Role(enum.IntEnum):
    VIEWER = 1
    OPERATOR = 2
    ADMIN = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: object) -> Role:
        if isinstance(value, str) and value.upper() in cls.__members__:
            return cls[value.upper()]
        raise ValueError(f"unknown role {value!r}; expected viewer, operator or admin")


PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.VIEWER: ("view",),
    Role.OPERATOR: ("view", "control"),
    Role.ADMIN: ("view", "control", "admin"),
}


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: Role
    method: str  # "jwt" | "api_key"
    expires_at: float | None = None
    issued_at: float | None = None
    key_hash: str | None = None


@dataclass(frozen=True)
class ApiKey:
    name: str
    role: Role
    sha256: str


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def generate_key() -> str:
    return "csk_" + secrets.token_urlsafe(32)


def key_file_entry(name: str, role: Role, key: str) -> str:
    """The YAML list item to append under ``keys:`` for a new key."""
    return f"  - name: {name}\n    role: {role.label}\n    sha256: {hash_key(key)}\n"


def parse_key_file(text: str, source: str) -> dict[str, ApiKey]:
    """Key hash → ApiKey. Raises ``ConfigError`` naming each bad entry."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError([(source, f"not valid YAML: {e}")]) from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not isinstance(data.get("keys", []), list):
        raise ConfigError([(source, "expected a mapping with a list under 'keys'")])
    keys: dict[str, ApiKey] = {}
    problems: list[tuple[str, str]] = []
    for i, entry in enumerate(data.get("keys") or []):
        where = f"{source}: keys[{i}]"
        if not isinstance(entry, dict):
            problems.append((where, "expected a mapping with name, role, sha256"))
            continue
        digest = str(entry.get("sha256", "")).lower()
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            problems.append((where + ".sha256", "expected 64 hex digits (SHA-256 of the key)"))
            continue
        try:
            role = Role.parse(entry.get("role"))
        except ValueError as e:
            problems.append((where + ".role", str(e)))
            continue
        keys[digest] = ApiKey(str(entry.get("name") or f"key{i}"), role, digest)
    if problems:
        raise ConfigError(problems)
    return keys


def _secret(config: AuthConfig) -> str | None:
    if config.jwt_secret:
        return config.jwt_secret
    if config.jwt_secret_file is not None:
        try:
            return config.jwt_secret_file.read_text(encoding="utf-8").strip() or None
        except OSError as e:
            log.error("cannot read JWT secret file %s: %s", config.jwt_secret_file, e.strerror)
    return None


def _load_keys(path: Path | None) -> dict[str, ApiKey]:
    if path is None:
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError([(str(path), f"cannot read the API key file: {e}")]) from None
    return parse_key_file(text, str(path))


@lru_cache(maxsize=4)
def _stream_key(secret: str) -> bytes:
    return stream_token.derive_key(secret)


def mint_token(secret: str, user_id: str, role: Role, expires_in: float, now: float) -> str:
    iat = int(now)
    claims = {"user_id": user_id, "role": role.label, "iat": iat, "exp": iat + int(expires_in)}
    return jwt.encode(claims, secret, algorithm="HS256")


class Authenticator:
    def __init__(
        self, config: AuthConfig, clock: Clock | None = None, keys: dict[str, ApiKey] | None = None
    ) -> None:
        """``keys`` (hash → ApiKey, from ``parse_key_file``) instead of reading the file."""
        self._clock = clock or Clock()
        self._config = config
        self._secret = _secret(config)
        self._keys = dict(keys) if keys is not None else _load_keys(config.api_key_file)
        self._link_key: tuple[str | None, bytes] | None = None

    @property
    def config(self) -> AuthConfig:
        return self._config

    @property
    def token_expiry(self) -> int:
        return self._config.token_expiry

    def reload(self, config: AuthConfig) -> None:
        """Re-read secret and API keys; on a broken key file keep the old keys."""
        try:
            keys = _load_keys(config.api_key_file)
        except ConfigError as e:
            log.error("API keys not reloaded, keeping %d in force: %s", len(self._keys), e)
            keys = self._keys
        else:
            if len(keys) != len(self._keys) or keys.keys() != self._keys.keys():
                log.info("API keys reloaded: %d in force", len(keys))
        self._config = config
        self._secret = _secret(config) or self._secret
        self._keys = keys

    def mint(self, user_id: str, role: Role, expires_in: float | None = None) -> str:
        if not self._secret:
            raise AuthError("no JWT secret configured")
        ttl = self._config.token_expiry if expires_in is None else expires_in
        return mint_token(self._secret, user_id, role, ttl, self._clock.time())

    def mint_stream_token(self, path: str, expires_in: float) -> str:
        """A short token that reads stream ``path`` for ``expires_in`` seconds
        (``stream_token``)."""
        if not self._secret:
            raise AuthError("no JWT secret configured")
        return stream_token.mint(_stream_key(self._secret), path, self._clock.time() + expires_in)

    def check_stream_token(self, token: str, path: str) -> str:
        """``""`` when ``token`` is a stream token that reads ``path`` now, else why not."""
        if not self._secret:
            return "stream tokens need a JWT secret"
        return stream_token.check(_stream_key(self._secret), token, path, self._clock.time())

    def authenticate(self, token: object, kind: str = "auto") -> Principal:
        """The principal a token stands for; raises ``AuthError(reason)``. ``kind`` is
        ``jwt`` (only a JWT is tried), ``api_key`` (only the key file) or ``auto`` (a token
        shaped like a JWT is one, anything else a key)."""
        if not isinstance(token, str) or not token:
            raise AuthError("missing token")
        if kind == "jwt":
            return self._jwt(token)
        if kind == "api_key":
            return self._api_key(token, "invalid API key")
        if token.count(".") == 2:
            return self._jwt(token)
        return self._api_key(token)

    def check(self, principal: Principal) -> None:
        """Raises ``AuthError`` when the principal's token expired or its key was removed."""
        if principal.expires_at is not None and self._clock.time() >= principal.expires_at:
            raise AuthError("token expired")
        if principal.key_hash is not None and principal.key_hash not in self._keys:
            raise AuthError("API key revoked")

    def valid(self, principal: Principal, now: float) -> bool:
        """``check`` without raising, for hot paths (notification fan-out)."""
        if principal.expires_at is not None and now >= principal.expires_at:
            return False
        return principal.key_hash is None or principal.key_hash in self._keys

    def _jwt(self, token: str) -> Principal:
        if not self._secret:
            raise AuthError("JWT authentication is not configured")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=["HS256"],
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.InvalidTokenError as e:
            raise AuthError(f"invalid token: {e}") from None
        missing = [c for c in ("user_id", "role", "exp", "iat") if c not in claims]
        if missing:
            raise AuthError(f"invalid token: missing claim(s) {', '.join(missing)}")
        exp, iat = claims["exp"], claims["iat"]
        for name, value in (("exp", exp), ("iat", iat)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise AuthError(f"invalid token: claim {name} must be a number")
            if not 0 <= value <= MAX_TIME:
                raise AuthError(f"invalid token: claim {name} is not a time between 1970 and 9999")
        try:
            role = Role.parse(claims["role"])
        except ValueError as e:
            raise AuthError(f"invalid token: {e}") from None
        now = self._clock.time()
        if now >= exp:
            raise AuthError("token expired")
        if iat > now + IAT_SKEW:
            raise AuthError("invalid token: issued in the future (iat); check the clocks")
        user = claims["user_id"]
        if not isinstance(user, str | int) or isinstance(user, bool):
            raise AuthError("invalid token: claim user_id must be a string")
        return Principal(str(user), role, "jwt", float(exp), float(iat))

    def _api_key(self, key: str, unknown: str = "invalid token or API key") -> Principal:
        digest = hash_key(key)
        for known, entry in self._keys.items():
            if hmac.compare_digest(known, digest):
                return Principal(entry.name, entry.role, "api_key", key_hash=known)
        raise AuthError(unknown)

    def link_key(self) -> bytes:
        """The key of signed download links: derived from the JWT secret (so links survive a
        restart, and a new secret on reload revokes them), random for this run without one."""
        cached = self._link_key
        if cached is None or cached[0] != self._secret:
            key = link_key(self._secret) if self._secret else secrets.token_bytes(32)
            cached = self._link_key = (self._secret, key)
        return cached[1]
