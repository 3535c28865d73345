"""``AddressGuard``: resolve a stream URL's host off the event loop (``loop.getaddrinfo``
runs in the default executor, bounded by ``RESOLVE_TIMEOUT``) and judge the addresses with
``address_policy.refusal`` before anything connects to them.

The guard runs when a stream is added and again before every probe, so a name that later
resolves elsewhere (DNS rebinding) is refused then too. It cannot bind the reader that
follows (ffprobe, MediaMTX) to the address it checked: they resolve the name again, a window
of one DNS answer's lifetime. A literal address in the URL has no such window.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

from .address_policy import Address, Network, networks, refusal

RESOLVE_TIMEOUT = 5.0  # seconds for one name lookup


class AddressGuard:
    def __init__(self, allow: Sequence[str], resolve_timeout: float = RESOLVE_TIMEOUT) -> None:
        self.allow: tuple[Network, ...] = networks(allow)
        self.resolve_timeout = resolve_timeout

    async def refusal(self, url: str) -> str | None:
        """``None`` when ``url``'s host may be connected to; else why not (no credentials:
        only the host name and its addresses are named)."""
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            return "the URL has no valid host"
        if not host:
            return "the URL has no host"
        addresses = await self._addresses(host)
        if addresses is None:
            return f"cannot resolve host {host!r}"
        return refusal(addresses, self.allow)

    async def _addresses(self, host: str) -> list[Address] | None:
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            pass
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.resolve_timeout):
                infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except (OSError, TimeoutError, UnicodeError):
            return None
        out: list[Address] = []
        for *_, sockaddr in infos:
            try:
                out.append(ipaddress.ip_address(str(sockaddr[0]).partition("%")[0]))
            except ValueError:
                continue
        return out
