"""The ``Host`` check against DNS rebinding: pure decisions and the aiohttp middleware that
applies them.

A web page on ``evil.example`` whose name is made to resolve to the service's address (DNS
rebinding) is same-origin with it for the browser, so the browser lets it read every answer
and open ``/ws``; the ``Host`` header is what still says ``evil.example``. A request is
therefore served only when its ``Host`` names the service:

* ``server.host`` (unless it is a wildcard address), ``server.public_host``, the host of
  ``server.public_url`` and every name in ``server.allowed_hosts`` (``*.example`` matches
  any name under ``example``; ``*`` turns the check off, e.g. behind a proxy that rewrites
  ``Host``);
* ``localhost`` (and names under ``.localhost``, RFC 6761) and any IP address literal: a
  rebinding attack needs a *name*; a browser that reaches an address by its number is on
  that address's own origin;
* the machine's own host name and its mDNS name (``gethostname()``, ``<name>.local``), as a
  Raspberry Pi is reached on a home network (an attacker's page cannot take those names);
* no ``Host`` at all (HTTP/1.0 tools): never a browser.

Anything else is answered ``421 Misdirected Request`` naming the key to add it to.
``/health`` and ``/health/ready`` are exempt: orchestrators and monitors probe them under
whatever name they know the machine by (a compose service name, a load balancer's), and
they answer only status and version, which a rebinding page cannot use to act.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from ..config.model import ServerConfig

log = logging.getLogger(__name__)

EXEMPT_PATHS = frozenset({"/health", "/health/ready"})
_WILDCARD_ADDRESSES = frozenset({"", "0.0.0.0", "::", "*"})
_LOGGED_MAX = 64  # distinct refused names logged (an attacker must not fill the journal)


def host_name(header: str) -> str:
    """The name of a ``Host`` header value: no port, no IPv6 brackets, no trailing dot,
    lower case (``[::1]:8002`` → ``::1``, ``Cams.Example.:80`` → ``cams.example``)."""
    value = header.strip()
    if value.startswith("["):
        name = value[1:].split("]", 1)[0]
    elif value.count(":") == 1:
        name = value.split(":", 1)[0]
    else:
        name = value  # a name, or a bare IPv6 address (not valid in Host, but unambiguous)
    return name.rstrip(".").lower()


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    return True


def machine_names() -> tuple[str, ...]:
    """This machine's host name and its mDNS name (no DNS lookup)."""
    name = socket.gethostname().split(".", 1)[0]
    return (name, f"{name}.local") if name else ()


def allowed_names(server: ServerConfig, machine: Iterable[str] = ()) -> frozenset[str]:
    """The names a ``Host`` may carry for ``server`` and a machine of these names (lower
    case; ``*.x`` patterns kept)."""
    names = {"localhost", server.public_host, *server.allowed_hosts, *machine}
    if server.host not in _WILDCARD_ADDRESSES:
        names.add(server.host)
    if server.public_url:
        hostname = urlsplit(server.public_url).hostname
        if hostname:
            names.add(hostname)
    return frozenset(host_name(n) if n != "*" else n for n in names)


def host_allowed(header: str | None, names: frozenset[str]) -> bool:
    """Whether a request with this ``Host`` header may be served (see the module doc)."""
    if header is None or "*" in names:
        return True
    name = host_name(header)
    if name in names or name.endswith(".localhost") or _is_address(name):
        return True
    return any(n.startswith("*.") and name.endswith(n[1:]) for n in names)


def origin_of(url: str | None) -> str | None:
    """``scheme://host[:port]`` of a URL (lower case), e.g. ``server.public_url``'s."""
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else None


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def host_check(config: Callable[[], ServerConfig], exempt: Iterable[str] = EXEMPT_PATHS) -> Any:
    """The middleware; ``config`` gives the server configuration in force (reloads apply)."""
    exempt_paths = frozenset(exempt)
    machine = machine_names()
    cache: dict[str, object] = {}
    logged: set[str] = set()

    def names() -> frozenset[str]:
        server = config()
        if cache.get("config") is not server:
            cache["config"], cache["names"] = server, allowed_names(server, machine)
        return cache["names"]  # type: ignore[return-value]

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        header = request.headers.get("Host")
        if request.path in exempt_paths or host_allowed(header, names()):
            return await handler(request)
        name = host_name(header or "")[:100]
        if name not in logged and len(logged) < _LOGGED_MAX:
            logged.add(name)
            log.warning("refused requests for host %r (DNS rebinding?); if it is a name of this "
                        "service, add it to server.allowed_hosts", name)
        return web.Response(status=421, text=f"host {name!r} is not a name of this service "
                                             "(server.allowed_hosts)\n")

    return middleware
