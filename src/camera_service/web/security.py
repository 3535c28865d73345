"""Pure checks at the HTTP boundary: browser origins and bearer credentials."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit


def _norm(origin: str) -> str:
    return origin.strip().rstrip("/").lower()


def origin_allowed(
    origin: str | None,
    host: str | None,
    allowed: Iterable[str],
    scheme: str = "http",
    own: Iterable[str | None] = (),
) -> bool:
    """A request without ``Origin`` is not from a browser and is allowed. A browser's origin
    must be in ``allowed`` (``*`` allows any), one of ``own`` (e.g. ``server.public_url``'s
    origin, for a proxy in front), or the server's own: the same host:port *and* the
    scheme the request came in with (an ``http://`` page is not the ``https://`` service)."""
    if origin is None:
        return True
    normed = _norm(origin)
    allowed_set = {_norm(a) for a in allowed}
    if "*" in allowed_set or normed in allowed_set or normed in {_norm(o) for o in own if o}:
        return True
    if normed == "null":
        return False
    try:
        parts = urlsplit(normed)
    except ValueError:
        return False
    return bool(host) and parts.scheme == scheme.lower() and parts.netloc == (host or "").lower()


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The credential of ``Authorization: Bearer <token>`` (a JWT or an API key)."""
    value = headers.get("Authorization", "")
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def plain_filename(name: str) -> bool:
    """A single path component with no tricks: no separators, no NUL, no leading dot."""
    return (
        bool(name)
        and len(name) <= 255
        and "/" not in name
        and "\\" not in name
        and "\0" not in name
        and not name.startswith(".")
    )
