"""Camera URLs without their credentials (pure): what may be shown, logged or kept as an
identity. ``network`` re-exports these for its callers."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

_CREDENTIALS_IN_TEXT = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@]*@")


def redact_url(url: str) -> str:
    """``url`` without user name and password (``rtsp://u:p@host/x`` -> ``rtsp://host/x``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _CREDENTIALS_IN_TEXT.sub(r"\g<scheme>", url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def redact_text(text: str, url: str | None = None) -> str:
    """``text`` with ``url`` (and any ``scheme://user:pass@``) stripped of credentials."""
    if url:
        text = text.replace(url, redact_url(url))
        parts = urlsplit(url)
        if parts.password:
            text = text.replace(parts.password, "***")
    return _CREDENTIALS_IN_TEXT.sub(r"\g<scheme>", text)
