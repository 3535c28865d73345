"""Stream URLs that carry a short-lived stream token, for players that cannot send an
``Authorization`` header (VLC, ffplay, GStreamer, a plain ``<video>`` tag). Pure but for
``token_fields``, which mints the token.

The URLs in camera objects never carry a secret; these are given only on request
(``get_stream_url`` with ``with_token: true``) to the caller itself. The token is a
``stream_token``: about 40 URL-safe characters that read one camera path until they expire,
short enough for every RTSP client's user-info buffer (ffmpeg keeps ~127 characters, which
cuts a JWT). RTSP carries it as the password (``rtsp://viewer:TOKEN@host:8554/camera0``),
HLS and WebRTC as ``?jwt=TOKEN`` (the query name clients know; ``/mediamtx/auth`` reads
``jwt`` and ``token``). MediaMTX checks a session's token when it starts, so a
stream that started keeps playing after the token expires; HLS asks again per request and
needs a fresh URL then.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from .context import RpcContext
from .session import Session

STREAM_TOKEN_TTL = 600  # seconds; capped by auth.token_expiry
TOKEN_USER = "viewer"  # any user name does: the token is the password
QUERY_KEY = "jwt"  # the name players and MediaMTX's docs know; it carries our stream token


def url_with_token(url: str, token: str) -> str:
    parts = urlsplit(url)
    value = quote(token, safe="")
    if parts.scheme in ("rtsp", "rtsps"):
        netloc = f"{TOKEN_USER}:{value}@{parts.netloc.rsplit('@', 1)[-1]}"
        return urlunsplit(parts._replace(netloc=netloc))
    query = f"{parts.query}&{QUERY_KEY}={value}" if parts.query else f"{QUERY_KEY}={value}"
    return urlunsplit(parts._replace(query=query))


def urls_with_token(urls: dict[str, str], token: str) -> dict[str, str]:
    return {kind: url_with_token(url, token) for kind, url in urls.items()}


def token_fields(ctx: RpcContext, session: Session, stream_name: str,
                 urls: dict[str, str]) -> dict[str, Any]:
    """``stream_url_with_token`` (RTSP), ``streams_with_token`` and ``token_expires_in``: a
    stream token that reads ``stream_name`` only, for at most the caller's own session."""
    auth = ctx.authenticator
    ttl = min(STREAM_TOKEN_TTL, auth.token_expiry)
    principal = session.principal
    if principal is not None and principal.expires_at is not None:
        ttl = max(0, min(ttl, int(principal.expires_at - ctx.clock.time())))
    with_token = urls_with_token(urls, auth.mint_stream_token(stream_name, ttl))
    return {"stream_url_with_token": with_token.get("rtsp"), "streams_with_token": with_token,
            "token_expires_in": ttl}
