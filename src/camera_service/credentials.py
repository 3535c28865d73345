"""The service's internal credentials for MediaMTX. Pure: no I/O.

When ``mediamtx.stream_auth`` is ``service``, MediaMTX asks our API server about every
publish, read and API request (``web/stream_auth.py``). Our own processes prove who they are
with credentials made fresh at every start and never shown to clients:

* ``publisher``: not a credential but where one-time publisher credentials come from
  (``publish_grants``): the ``runOnDemand`` publisher asks for one over a Unix socket;
* ``reader``: in ``StreamService.reader_url`` (ffmpeg snapshots and recordings);
* ``api``: MediaMTX's control API (and metrics, pprof). It comes from ``mediamtx.api_user`` /
  ``api_password`` when given (the Ansible role writes one it keeps on the host), else it is
  generated too: MediaMTX asks us, so only this process needs to know it.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field

from .publish_grants import PublishGrants

READER_USER = "camera-service-reader"
API_USER = "camera-service"


def _random() -> str:
    # URL-safe alphabet: it goes into rtsp://user:password@ URLs without escaping
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Credential:
    user: str
    password: str = field(repr=False)

    def matches(self, user: str, password: str) -> bool:
        """Constant-time comparison of both parts."""
        same_user = hmac.compare_digest(self.user.encode(), user.encode())
        same_password = hmac.compare_digest(self.password.encode(), password.encode())
        return same_user and same_password

    @property
    def userinfo(self) -> str:
        """``user:password@`` for a URL (both are URL-safe)."""
        return f"{self.user}:{self.password}@"

    @classmethod
    def generate(cls, user: str) -> Credential:
        return cls(user, _random())


@dataclass(frozen=True)
class InternalCredentials:
    """``publisher`` and ``reader`` are ``None`` when MediaMTX is not ours to guard
    (``stream_auth: none``): then no credential goes into any URL."""

    publisher: PublishGrants | None = None
    reader: Credential | None = None
    api: Credential | None = None

    @classmethod
    def generate(cls, api_user: str | None = None, api_password: str | None = None,
                 publish_socket: str = "publish.sock",
                 import_root: str | None = None) -> InternalCredentials:
        """``publish_socket``: where publishers ask for their one-time credential;
        ``import_root``: where they import ``camera_service`` from (``PublishGrants``)."""
        api = (Credential(api_user, api_password) if api_user and api_password
               else Credential.generate(api_user or API_USER))
        return cls(PublishGrants(publish_socket, import_root=import_root),
                   Credential.generate(READER_USER), api)

    @classmethod
    def unmanaged(cls, api_user: str | None = None, api_password: str | None = None) -> InternalCredentials:
        """For ``stream_auth: none``: only the configured API credential, if any."""
        api = Credential(api_user, api_password or "") if api_user else None
        return cls(None, None, api)
