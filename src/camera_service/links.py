"""Signed, short-lived download links for snapshots and recordings. Pure: no I/O, no clock
(the caller passes ``now``).

A link is ``{base}/files/{kind}/{quoted filename}?expires={unix seconds}&sig={token}``
(``download_url``: the file plays or shows inline); its saving twin (``save_url``) is the
same link with ``&download=1``, answered ``Content-Disposition: attachment`` with the file
name (the flag only picks the disposition, so it is outside the signature):

- ``token`` is the unpadded base64url HMAC-SHA256 of the JSON array
  ``["camera-service-link/1", kind, filename, expires]`` (JSON makes the message
  unambiguous whatever the filename holds), keyed with the link key.
- The link key is derived from the JWT secret with a label of its own
  (``link_key(secret)``): links survive a restart, rotating the JWT secret revokes every
  link, and no link signature can ever be mistaken for a JWT signature.
- ``expires`` is rounded up to a whole ``STEP`` so that listing the same files twice within
  a minute gives the same URLs (a browser keeps its cache, a ``<video src>`` does not
  reload); a link is valid for ``ttl`` to ``ttl + STEP`` seconds.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
from dataclasses import dataclass
from urllib.parse import quote

from .errors import LinkRefused

KEY_LABEL = b"camera-service/file-links/v1"
MESSAGE_VERSION = "camera-service-link/1"
STEP = 60  # seconds; expiries are multiples of this
SAVE_QUERY = "download=1"  # web/files.py answers it with Content-Disposition: attachment
_MAX_EXPIRES_DIGITS = 12
_SIG_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def link_key(secret: str | bytes) -> bytes:
    """The link signing key for a service secret (HMAC-SHA256 with a domain label)."""
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    return hmac.new(raw, KEY_LABEL, hashlib.sha256).digest()


def public_base(public_url: str | None, public_host: str, tls: bool, port: int) -> str:
    """The absolute URL links start with: ``public_url`` when configured (a reverse proxy,
    maybe with a path prefix), else ``http(s)://{public_host}:{port}`` with the bound port."""
    if public_url:
        return public_url.rstrip("/")
    scheme = "https" if tls else "http"
    host = f"[{public_host}]" if ":" in public_host and not public_host.startswith("[") else public_host
    default = 443 if tls else 80
    return f"{scheme}://{host}" if port == default else f"{scheme}://{host}:{port}"


def file_path(kind: str, filename: str) -> str:
    """The URL path of a file (``filename`` quoted as one path segment)."""
    return f"/files/{kind}/{quote(filename, safe='')}"


@dataclass(frozen=True)
class LinkSigner:
    """Signs and checks links with ``key``; new links live ``ttl`` seconds (at least)."""

    key: bytes
    ttl: int

    def signature(self, kind: str, filename: str, expires: int) -> str:
        message = json.dumps([MESSAGE_VERSION, kind, filename, expires], ensure_ascii=False)
        digest = hmac.new(self.key, message.encode("utf-8", "surrogatepass"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    def expiry(self, now: float) -> int:
        return math.ceil((now + self.ttl) / STEP) * STEP

    def query(self, kind: str, filename: str, now: float) -> str:
        """``expires=...&sig=...`` for a link made at ``now``."""
        expires = self.expiry(now)
        return f"expires={expires}&sig={self.signature(kind, filename, expires)}"

    def verify(self, kind: str, filename: str, expires: str | None, sig: str | None, now: float) -> None:
        """Raises ``LinkRefused(reason)`` unless (expires, sig) is our signature for this
        file and has not expired at ``now``."""
        if not expires or not sig:
            raise LinkRefused("a signed link needs both expires and sig")
        if not expires.isascii() or not expires.isdigit() or len(expires) > _MAX_EXPIRES_DIGITS:
            raise LinkRefused("expires must be unix seconds")
        if len(sig) > 64 or not set(sig) <= _SIG_CHARS:
            raise LinkRefused("invalid link signature")
        expected = self.signature(kind, filename, int(expires))
        if not hmac.compare_digest(expected.encode("ascii"), sig.encode("ascii")):
            raise LinkRefused("invalid link signature (tampered, or for another file)")
        if now >= int(expires):
            raise LinkRefused("link expired")


@dataclass(frozen=True)
class FileLinks:
    """What a presenter needs to put download URLs into results: the signer, the absolute
    base and the time the links are made at."""

    signer: LinkSigner
    base: str
    now: float

    def url(self, kind: str, filename: str) -> str:
        return f"{self.base}{file_path(kind, filename)}?{self.signer.query(kind, filename, self.now)}"

    def save_url(self, kind: str, filename: str) -> str:
        """The same link asking for ``Content-Disposition: attachment`` (a browser saves it)."""
        return f"{self.url(kind, filename)}&{SAVE_QUERY}"
