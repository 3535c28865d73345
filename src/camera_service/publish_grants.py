"""One-time publisher credentials for the camera paths. Pure: no I/O.

No local user may publish to, or replace, a camera path. MediaMTX asks us about every
publish (``web/stream_auth.py``), so what grants publishing is a credential only our own
publisher can hold:

* MediaMTX's ``runOnDemand`` runs ``camera_service.publisher`` (never ffmpeg itself). Its
  command line carries no secret, only the Unix socket where it asks the service.
* The service answers over that socket (``mediamtx/handoff.py``) only to a peer whose uid,
  read by the kernel (``SO_PEERCRED``), is the service's own or MediaMTX's system user, and
  only for a camera path: a fresh random credential for that one path (``issue``).
* The credential lives in the publisher's memory; it relays ffmpeg's RTSP session and adds
  the ``Authorization`` header itself, so the credential is in no argv, no environment, no
  file.
* It is good for one publish session (``redeem``): the first use binds it to MediaMTX's
  session id, any other session is refused; unused, it expires after ``GRANT_TTL``.

A credential seen in transit (loopback is not readable by other users) or in the service's
memory would be needed to publish; nothing another user can read grants it.
"""

from __future__ import annotations

import hashlib
import secrets
import sys
from collections import OrderedDict
from dataclasses import dataclass, field

PUBLISHER_USER = "camera-service-publisher"
GRANT_TTL = 30.0  # seconds for a publisher to use its credential (ffmpeg starts within it)
MAX_GRANTS = 256  # older grants are forgotten first (one per publisher start)


@dataclass(frozen=True)
class PublisherCredential:
    user: str
    password: str = field(repr=False)


@dataclass
class _Grant:
    path: str
    expires_at: float
    session: str | None = None  # MediaMTX's session id, once used


def _digest(password: str) -> bytes:
    return hashlib.sha256(password.encode()).digest()


class PublishGrants:
    """The publisher credentials handed out and not yet forgotten. ``socket_path`` is where
    publishers ask for one; ``python`` runs ``camera_service.publisher``, importing
    ``camera_service`` from ``import_root`` when that is not on its own path (a checkout's
    ``src``: MediaMTX may run it with another working directory or environment)."""

    def __init__(self, socket_path: str, python: str = sys.executable,
                 ttl: float = GRANT_TTL, import_root: str | None = None) -> None:
        self.socket_path = socket_path
        self.python = python
        self.import_root = import_root
        self._ttl = ttl
        self._grants: OrderedDict[bytes, _Grant] = OrderedDict()

    def issue(self, path: str, now: float) -> PublisherCredential:
        """A fresh credential that publishes ``path`` once."""
        self._forget_expired(now)
        password = secrets.token_urlsafe(24)
        self._grants[_digest(password)] = _Grant(path, now + self._ttl)
        while len(self._grants) > MAX_GRANTS:
            self._grants.popitem(last=False)
        return PublisherCredential(PUBLISHER_USER, password)

    def redeem(self, path: str, user: str, password: str, session: str, now: float) -> str:
        """``""`` when (``user``, ``password``) may publish ``path`` in MediaMTX session
        ``session`` now, else why not. The first use binds the credential to the session."""
        if user != PUBLISHER_USER or not password:
            return "publish needs a one-time publisher credential of the service"
        grant = self._grants.get(_digest(password))
        if grant is None:
            return "unknown or expired publisher credential"
        if grant.path != path:
            return f"publisher credential was issued for {grant.path!r}, not {path!r}"
        if grant.session is None:
            if now >= grant.expires_at:
                del self._grants[_digest(password)]
                return "unknown or expired publisher credential"
            grant.session = session
            return ""
        if session and session == grant.session:
            return ""  # MediaMTX asking again within the same publish session
        return "publisher credential already used"

    def _forget_expired(self, now: float) -> None:
        for key in [k for k, g in self._grants.items() if g.session is None and now >= g.expires_at]:
            del self._grants[key]
