"""Stream URLs that carry a short-lived viewer token, for players that cannot send an
``Authorization`` header (VLC, ffplay, a plain ``<video>`` tag). Pure: no I/O.

The URLs in camera objects never carry a secret; these are given only on request
(``get_stream_url`` with ``with_token: true``) to the caller itself. RTSP gets the token as
the password (``rtsp://viewer:TOKEN@host:8554/camera0``), HLS and WebRTC as ``?jwt=TOKEN``.
MediaMTX checks a session's token when it starts, so a stream that started keeps playing
after the token expires; HLS asks again per request and needs a fresh URL then.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit, urlunsplit

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
