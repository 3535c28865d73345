"""Short, scoped, signed stream tokens: what ``get_stream_url {with_token: true}`` puts into
the URLs it hands out. Pure: no I/O.

A viewer JWT is 150-250 characters; ffmpeg, ffprobe and ffplay keep only about 127
characters of an RTSP URL's user info (MediaMTX issue 5359), so ``rtsp://any:JWT@host/cam``
reaches MediaMTX cut short and is refused. A stream token is about 40 characters of the
URL-safe alphabet (no escaping anywhere: user info, query)::

    cst1.<expiry, base 36>.<HMAC-SHA256 of (path, role, expiry), first 16 bytes, base64url>

It admits one thing: reading (``read``/``playback``) one camera path until its expiry. The
path comes from MediaMTX's request, so a token minted for ``camera0`` is no use on
``camera1``. The key is derived from the JWT secret with a label of its own, so no stream
token is ever a valid JWT signature or the other way round, and changing the secret revokes
every stream token with the JWTs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

PREFIX = "cst1"
ROLE = "viewer"
SIGNATURE_BYTES = 16  # 128 bits
MAX_EXPIRY_DIGITS = 10  # base 36: far beyond any date we mint
_LABEL = b"camera-service stream token v1"
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def derive_key(jwt_secret: str) -> bytes:
    """The stream-token key of a JWT secret (HMAC with a label: domain separation)."""
    return hmac.new(jwt_secret.encode(), _LABEL, hashlib.sha256).digest()


def _base36(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = _DIGITS[r] + out
        if n == 0:
            return out


def _signature(key: bytes, path: str, expires: str) -> str:
    message = f"{PREFIX}\n{path}\n{ROLE}\n{expires}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def mint(key: bytes, path: str, expires_at: float) -> str:
    """A token that reads ``path`` until ``expires_at`` (Unix time, rounded down)."""
    expires = _base36(max(0, int(expires_at)))
    return f"{PREFIX}.{expires}.{_signature(key, path, expires)}"


def looks_like(token: str) -> bool:
    return token.startswith(PREFIX + ".")


def check(key: bytes, token: str, path: str, now: float) -> str:
    """``""`` when ``token`` admits reading ``path`` at ``now``, else why not. Linear in
    the token's length; the signature is compared in constant time."""
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        return "not a stream token"
    _, expires, signature = parts
    if not 0 < len(expires) <= MAX_EXPIRY_DIGITS or any(c not in _DIGITS for c in expires):
        return "malformed stream token"
    if not hmac.compare_digest(signature.encode(), _signature(key, path, expires).encode()):
        return f"stream token not valid for path {path!r}"
    if now >= int(expires, 36):
        return "stream token expired"
    return ""
