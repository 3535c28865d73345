"""Who may hold a WebSocket, before and after ``authenticate``: pure bookkeeping, no I/O.

Unauthenticated connections are cheap for anyone to open, so they are counted apart from
authenticated ones and can never take their room:

* authenticated connections: at most ``server.max_connections``; a new socket is refused
  (503) only when that many are authenticated already, and one that authenticates into a
  full house is closed (1013);
* unauthenticated connections: at most ``server.unauthenticated_max_connections`` in all and
  ``server.unauthenticated_per_address`` per peer (an IPv6 peer counts by its /64, the
  block one host usually holds). A newcomer over either bound is let in and the *oldest*
  unauthenticated connection of that address (or of all) is closed instead (1013): an idle
  crowd cannot keep a user out, as each newcomer only has to authenticate before it is the
  oldest, and every unauthenticated connection ends at ``server.auth_timeout`` anyway;
* before it authenticates, a connection may send ``server.unauthenticated_max_messages``
  frames of at most ``server.unauthenticated_max_message_size`` bytes; the frame past
  either is not decoded and the connection is closed (1008, or 1009 for size).

Once authenticated, a connection stays counted as such until it closes (an expired token
loses its role, see ``Dispatcher.authorize``, but not its slot).
"""

from __future__ import annotations

import ipaddress
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

CLOSE_EVICTED = (1013, "too many unauthenticated connections: authenticate sooner")
CLOSE_FULL = (1013, "too many connections")
CLOSE_AUTH_TIMEOUT = (4001, "authentication timeout")
CLOSE_TOO_MANY = (1008, "too many messages before authentication")
CLOSE_TOO_BIG = (1009, "message too big before authentication")


@dataclass(frozen=True)
class Limits:
    max_authenticated: int = 100
    max_unauthenticated: int = 64
    per_address: int = 16
    max_messages: int = 16  # frames before authentication
    max_message_size: int = 16 * 1024  # bytes of one frame before authentication


def address_group(peer: str | None) -> str:
    """The key a peer is counted under: the IPv4 address (also when IPv4-mapped), the /64
    of an IPv6 address, the text itself for anything else (a Unix socket's empty name)."""
    if not peer:
        return "?"
    try:
        ip = ipaddress.ip_address(peer.split("%", 1)[0])
    except ValueError:
        return peer
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def frame_refusal(frames_so_far: int, text: str, limits: Limits) -> tuple[int, str] | None:
    """Why the ``frames_so_far``-th frame (1-based) of an unauthenticated connection must
    not be decoded, as a close code and reason; ``None`` when it may. Costs at most one
    encode of a frame within the size bound."""
    if frames_so_far > limits.max_messages:
        return CLOSE_TOO_MANY
    size = limits.max_message_size
    if len(text) > size or len(text.encode("utf-8", "surrogatepass")) > size:
        return CLOSE_TOO_BIG
    return None


class Admission(Generic[K]):
    """The connections by state: ``admit`` a new one, ``promote`` it when it authenticates,
    ``remove`` it when it closes (each idempotent)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._pending: OrderedDict[K, str] = OrderedDict()  # unauthenticated, oldest first
        self._by_group: dict[str, OrderedDict[K, None]] = {}
        self._authenticated: set[K] = set()

    @property
    def authenticated(self) -> int:
        return len(self._authenticated)

    @property
    def unauthenticated(self) -> int:
        return len(self._pending)

    def unauthenticated_from(self, peer: str | None) -> int:
        return len(self._by_group.get(address_group(peer), ()))

    def is_authenticated(self, key: K) -> bool:
        return key in self._authenticated

    def admit(self, key: K, peer: str | None) -> list[K] | None:
        """Take a new unauthenticated connection: ``None`` when it must be refused (every
        authenticated slot taken), else the connections to close to make room for it."""
        if len(self._authenticated) >= self.limits.max_authenticated:
            return None
        group = address_group(peer)
        evict: list[K] = []
        same = self._by_group.get(group)
        if same is not None and len(same) >= self.limits.per_address:
            evict.append(next(iter(same)))
            self.remove(evict[-1])
        if len(self._pending) >= self.limits.max_unauthenticated:
            evict.append(next(iter(self._pending)))
            self.remove(evict[-1])
        self._pending[key] = group
        self._by_group.setdefault(group, OrderedDict())[key] = None
        return evict

    def promote(self, key: K) -> bool:
        """``key`` authenticated: counted as such from now on, or ``False`` (and forgotten)
        when every authenticated slot is taken."""
        if key in self._authenticated:
            return True
        self._forget_pending(key)
        if len(self._authenticated) >= self.limits.max_authenticated:
            return False
        self._authenticated.add(key)
        return True

    def remove(self, key: K) -> None:
        self._forget_pending(key)
        self._authenticated.discard(key)

    def _forget_pending(self, key: K) -> None:
        group = self._pending.pop(key, None)
        if group is None:
            return
        same = self._by_group[group]
        del same[key]
        if not same:
            del self._by_group[group]


class Probation(Generic[K]):
    """One connection until it authenticates: its frames counted against the limits, and
    its promotion into the authenticated count (``admission`` ``None``: trusted at once)."""

    def __init__(self, admission: Admission[K] | None, key: K) -> None:
        self._admission = admission
        self._key = key
        self.authenticated = admission is None  # once: stays so after a token expires
        self._frames = 0

    def frame(self, text: str) -> tuple[int, str] | None:
        """The close code and reason when this frame must not be decoded."""
        if self.authenticated or self._admission is None:
            return None
        self._frames += 1
        return frame_refusal(self._frames, text, self._admission.limits)

    def signed_in(self, has_principal: bool) -> tuple[int, str] | None:
        """After a request: promote once the session has a principal; the close code and
        reason when every authenticated slot is taken."""
        if self.authenticated or not has_principal or self._admission is None:
            return None
        if not self._admission.promote(self._key):
            return CLOSE_FULL
        self.authenticated = True
        return None
