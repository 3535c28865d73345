"""Who is at the other end of a loopback TCP connection: the uid the kernel lists for the
peer's socket in ``/proc/self/net/tcp`` (and ``tcp6``; the same tables as ``/proc/net``,
which MediaMTX's unit hides with ``ProcSubset=pid``). The parsing is pure; ``peer_uid``
reads.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

TABLES = ("/proc/self/net/tcp", "/proc/self/net/tcp6")


def _port(address: str) -> int:
    return int(address.rsplit(":", 1)[1], 16)


def uid_of(lines: Iterable[str], local_port: int, remote_port: int) -> int | None:
    """The uid owning the socket whose local port is ``local_port`` and whose remote port
    is ``remote_port`` (the client's side of a connection to ``remote_port``)."""
    for line in lines:
        fields = line.split()
        if len(fields) < 8 or not fields[0].endswith(":"):
            continue  # the header line
        try:
            if _port(fields[1]) == local_port and _port(fields[2]) == remote_port:
                return int(fields[7])
        except (ValueError, IndexError):
            continue
    return None


def peer_uid(client_port: int, server_port: int) -> int | None:
    """The uid of the process that connected from ``client_port`` to our ``server_port``."""
    for table in TABLES:
        with contextlib.suppress(OSError), open(table, encoding="ascii") as f:
            uid = uid_of(f, client_port, server_port)
            if uid is not None:
                return uid
    return None
