"""sd_notify over a real AF_UNIX datagram socket."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from camera_service.systemd import Notifier

pytestmark = pytest.mark.integration


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    path = str(tmp_path / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(5)
    yield sock, path
    sock.close()


def test_nothing_happens_without_notify_socket() -> None:
    notifier = Notifier({})
    assert not notifier.enabled
    assert notifier.notify("READY=1") is False
    assert notifier.watchdog_interval is None


def test_ready_status_and_stopping_reach_the_socket(notify_socket: tuple[socket.socket, str]) -> None:
    sock, path = notify_socket
    env = {"NOTIFY_SOCKET": path}
    notifier = Notifier(env)
    assert "NOTIFY_SOCKET" not in env  # children never inherit it
    notifier.ready("2 cameras")
    assert sock.recv(4096) == b"READY=1\nSTATUS=2 cameras"
    notifier.status("2 cameras")  # unchanged: nothing sent
    notifier.status("3 cameras")
    assert sock.recv(4096) == b"STATUS=3 cameras"
    notifier.reloading()
    lines = sock.recv(4096).decode().splitlines()
    assert lines[0] == "RELOADING=1" and lines[1].startswith("MONOTONIC_USEC=")
    assert int(lines[1].split("=")[1]) > 0
    notifier.stopping()
    assert sock.recv(4096).startswith(b"STOPPING=1")
    notifier.close()


def test_abstract_socket_address() -> None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0camera-service-test-notify")
    sock.settimeout(5)
    try:
        notifier = Notifier({"NOTIFY_SOCKET": "@camera-service-test-notify"})
        notifier.notify("READY=1")
        notifier.close()
        assert sock.recv(100) == b"READY=1"
    finally:
        sock.close()


def test_watchdog_interval_is_half_of_watchdog_usec() -> None:
    assert Notifier({"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "4000000"}).watchdog_interval == 2.0
    assert Notifier({"NOTIFY_SOCKET": "/x", "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"}
                    ).watchdog_interval is None  # meant for another process


async def test_watchdog_pings_from_the_event_loop(notify_socket: tuple[socket.socket, str]) -> None:
    sock, path = notify_socket
    notifier = Notifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "100000"})
    sock.setblocking(False)
    task = asyncio.create_task(notifier.watchdog())
    loop = asyncio.get_running_loop()
    try:
        pings = [await asyncio.wait_for(loop.sock_recv(sock, 100), 5) for _ in range(3)]
    finally:
        task.cancel()
        notifier.close()
    assert pings == [b"WATCHDOG=1"] * 3


def test_unreachable_socket_is_reported_not_raised(tmp_path: Path) -> None:
    notifier = Notifier({"NOTIFY_SOCKET": str(tmp_path / "nobody-listens")})
    assert notifier.notify("READY=1") is False
    notifier.close()
