"""Stream URLs that carry a short-lived viewer token, for players that cannot send an
``Authorization`` header (VLC, ffplay, a plain ``<video>`` tag). Pure: no I/O.

The URLs in camera objects never carry a secret; these are given only on request
(``get_stream_url`` with ``with_token: true``) to the caller itself. RTSP gets the token as
the password (``rtsp://viewer:TOKEN@host:8554/camera0``), HLS and WebRTC as ``?jwt=TOKEN``.
MediaMTX checks a session's token when it starts, so a stream that started keeps playing
after the token expires; HLS asks again per request and needs a fresh URL then.
``url_with_token`` and ``urls_with_token`` are pure; ``token_fields`` mints the token.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from .auth import Role
from .context import RpcContext
from .session import Session

STREAM_TOKEN_TTL = 600  # seconds; capped by auth.token_expiry
TOKEN_USER = "viewer"  # any user name does: the token is the password


def url_with_token(url: str, token: str) -> str:
    parts = urlsplit(url)
    if parts.scheme in ("rtsp", "rtsps"):
        netloc = f"{TOKEN_USER}:{quote(token, safe='')}@{parts.netloc.rsplit('@', 1)[-1]}"
        return urlunsplit(parts._replace(netloc=netloc))
    query = f"{parts.query}&jwt={quote(token, safe='')}" if parts.query else f"jwt={quote(token, safe='')}"
    return urlunsplit(parts._replace(query=query))


def urls_with_token(urls: dict[str, str], token: str) -> dict[str, str]:
    return {kind: url_with_token(url, token) for kind, url in urls.items()}


def token_fields(ctx: RpcContext, session: Session, urls: dict[str, str]) -> dict[str, Any]:
    """``stream_url_with_token`` (RTSP), ``streams_with_token`` and ``token_expires_in``: the
    caller's identity as a short-lived viewer JWT."""
    auth = ctx.authenticator
    ttl = min(STREAM_TOKEN_TTL, auth.token_expiry)
    user = session.principal.user_id if session.principal is not None else "viewer"
    with_token = urls_with_token(urls, auth.mint(user, Role.VIEWER, ttl))
    return {"stream_url_with_token": with_token.get("rtsp"), "streams_with_token": with_token,
            "token_expires_in": ttl}
