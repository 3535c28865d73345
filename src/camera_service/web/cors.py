"""CORS for ``/files/...``: pure header sets for the configured origins (``server.allowed_origins``,
the same list the WebSocket origin check uses).

An allowed origin is echoed back (``Vary: Origin``), never ``*``, and no
``Access-Control-Allow-Credentials`` is sent: downloads authenticate with a signed link or an
``Authorization``/``X-API-Key`` header, never with cookies. A disallowed origin gets no CORS
header at all (and its preflight a 403), so the browser keeps the response from the page.
"""

from __future__ import annotations

from collections.abc import Iterable

from .security import origin_allowed

ALLOW_METHODS = "GET, HEAD, OPTIONS"
ALLOW_HEADERS = "Authorization, X-API-Key, Range"
EXPOSE_HEADERS = "Content-Range, Content-Length, Accept-Ranges, Content-Disposition"
Own = Iterable[str | None]  # the service's own origins besides its Host (server.public_url's)
MAX_AGE = "600"  # seconds a browser may cache a preflight answer


def cors_allowed(
    origin: str | None, host: str | None, allowed: Iterable[str], scheme: str = "http", own: Own = ()
) -> bool:
    """A browser origin that may read ``/files`` responses (no ``Origin``: not CORS);
    ``scheme`` and ``own`` as for ``security.origin_allowed``."""
    return origin is not None and origin_allowed(origin, host, allowed, scheme, own)


def response_headers(
    origin: str | None, host: str | None, allowed: Iterable[str], scheme: str = "http", own: Own = ()
) -> dict[str, str]:
    """Headers to add to a GET/HEAD answer (empty unless the origin is allowed; the
    caller sends ``Vary: Origin`` on every answer, as they depend on it)."""
    if origin is None or not cors_allowed(origin, host, allowed, scheme, own):
        return {}
    return {"Access-Control-Allow-Origin": origin, "Access-Control-Expose-Headers": EXPOSE_HEADERS}


def preflight_headers(
    origin: str | None, host: str | None, allowed: Iterable[str], scheme: str = "http", own: Own = ()
) -> dict[str, str] | None:
    """The answer headers of an allowed preflight, or ``None`` when it must be refused."""
    if origin is None or not cors_allowed(origin, host, allowed, scheme, own):
        return None
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": ALLOW_METHODS,
        "Access-Control-Allow-Headers": ALLOW_HEADERS,
        "Access-Control-Max-Age": MAX_AGE,
        "Vary": "Origin",
    }
