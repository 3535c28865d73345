"""Plain helpers for the MediaMTX tests (fixtures live in ``conftest.py``). A module with
a name of its own, so ``from mediamtx_support import …`` never meets another ``conftest``."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path

T = 10.0  # the one timeout unit of these tests: every wait is bounded by a multiple of it


def closed_port() -> int:
    """A port nothing listens on (bound once, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class StaticHttpServer:
    """``python3 -m http.server`` serving ``root``: answers 404 pages, 501 for writes."""

    url: str
    root: Path


@dataclass
class SilentServer:
    """A TCP server that reads what it is sent and never answers (a hung peer)."""

    url: str
    requests: list[bytes] = field(default_factory=list)
