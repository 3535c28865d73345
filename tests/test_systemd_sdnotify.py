"""What the sdnotify library adds to think about: it reads the address from the process
environment, which the notifier must leave as it found it; and it encodes Latin-1, where
systemd reads UTF-8. Over a real AF_UNIX datagram socket."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

import pytest

from camera_service.systemd import VARIABLE, Notifier

pytestmark = pytest.mark.integration


def test_the_process_environment_is_left_as_it_was_and_status_is_utf8(tmp_path: Path) -> None:
    path = str(tmp_path / "notify")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(path)
        sock.settimeout(5)
        before = os.environ.get(VARIABLE)
        notifier = Notifier({VARIABLE: path})
        assert os.environ.get(VARIABLE) == before  # never left behind for child processes
        notifier.status("Kamera Tür: 2 cameras")
        assert sock.recv(4096) == "STATUS=Kamera Tür: 2 cameras".encode()
        notifier.close()
        assert notifier.notify("READY=1") is False  # closed: nothing more is sent


async def test_children_never_see_the_notify_socket(tmp_path: Path) -> None:
    """The service's own environment (``Notifier()`` as ``__main__`` makes it) loses the
    variables, so an ffmpeg started afterwards cannot talk to systemd in its name."""
    path = str(tmp_path / "notify")
    saved = {k: os.environ.get(k) for k in (VARIABLE, "WATCHDOG_USEC")}
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(path)
        sock.settimeout(5)
        os.environ.update({VARIABLE: path, "WATCHDOG_USEC": "2000000"})
        try:
            notifier = Notifier()
            child = await asyncio.create_subprocess_exec("env", stdout=asyncio.subprocess.PIPE)
            out, _ = await asyncio.wait_for(child.communicate(), 10)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        assert b"NOTIFY_SOCKET=" not in out and b"WATCHDOG_USEC=" not in out
        notifier.ready("up")  # the service itself still reaches systemd
        assert sock.recv(4096) == b"READY=1\nSTATUS=up"
        notifier.close()
