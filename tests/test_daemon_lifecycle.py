"""The real daemon as a subprocess under a real AF_UNIX notify socket, as systemd runs it:
READY=1 after the API listens, STATUS=, WATCHDOG=1 at half WATCHDOG_USEC, SIGHUP → RELOADING=1
then READY=1 (an invalid new config is refused and the old one kept), SIGTERM → STOPPING=1
and exit 0."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.ivv

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 20.0  # the one patience unit of this module


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(path: Path, port: int, extra: str = "", keys: Path | None = None) -> None:
    key_file = f", api_key_file: {keys}" if keys else ""
    path.write_text(
        f"server: {{host: 127.0.0.1, port: {port}}}\n"
        f"auth: {{jwt_secret: lifecycle-test-secret-0123456789abcdef{key_file}}}\n"
        "mediamtx: {api_url: 'http://127.0.0.1:9', health_interval: 0.5}\n"
        "cameras: {udev: false, test_pattern: false}\n"
        f"storage: {{state_dir: {path.parent / 'state'}, min_free_mb: 1}}\n"
        "logging: {target: console, level: DEBUG}\n" + extra
    )


class Daemon:
    def __init__(self, tmp: Path, watchdog_usec: int = 200_000, keys: Path | None = None) -> None:
        self.config = tmp / "config.yaml"
        self.port = free_port()
        write_config(self.config, self.port, keys=keys)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(tmp / "notify"))
        self.sock.settimeout(TIMEOUT)
        self.stderr = open(tmp / "stderr.log", "w+b")
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NOTIFY_SOCKET": str(tmp / "notify"),
               "WATCHDOG_USEC": str(watchdog_usec)}
        env.pop("JOURNAL_STREAM", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "camera_service", "--config", str(self.config)],
            env=env, stdout=subprocess.DEVNULL, stderr=self.stderr,
        )

    def messages_until(self, wanted: str) -> list[str]:
        """Every notify line received until one starting with ``wanted``."""
        seen: list[str] = []
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            lines = self.sock.recv(4096).decode().splitlines()
            seen += lines
            if any(line.startswith(wanted) for line in lines):
                return seen
        raise AssertionError(f"no {wanted} within {TIMEOUT}s; got {seen}\n{self.log()}")

    def log(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(TIMEOUT)
        self.sock.close()
        self.stderr.close()


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    d = Daemon(tmp_path)
    yield d
    d.close()


def test_ready_only_after_the_api_listens_then_watchdog_reload_and_stop(daemon: Daemon) -> None:
    before = daemon.messages_until("READY=1")
    assert any(line.startswith("STATUS=") for line in before)
    # READY means the socket listens: /health answers right away
    with urllib.request.urlopen(f"http://127.0.0.1:{daemon.port}/health", timeout=TIMEOUT) as r:
        health = json.load(r)
    assert "components" in health or "status" in health

    pings = [m for m in daemon.messages_until("WATCHDOG=1")]
    pings += daemon.messages_until("WATCHDOG=1")
    assert pings.count("WATCHDOG=1") >= 2

    daemon.proc.send_signal(signal.SIGHUP)
    reload = daemon.messages_until("READY=1")
    assert "RELOADING=1" in reload
    assert any(m.startswith("MONOTONIC_USEC=") for m in reload)
    assert reload.index("RELOADING=1") < reload.index("READY=1")

    daemon.proc.send_signal(signal.SIGTERM)
    assert "STOPPING=1" in daemon.messages_until("STOPPING=1")
    assert daemon.proc.wait(TIMEOUT) == 0, daemon.log()
    assert "Traceback" not in daemon.log()


def test_invalid_config_on_reload_keeps_the_old_one(daemon: Daemon) -> None:
    daemon.messages_until("READY=1")
    daemon.config.write_text("server: {port: not-a-port}\n")
    daemon.proc.send_signal(signal.SIGHUP)
    messages = daemon.messages_until("READY=1")
    assert "RELOADING=1" in messages
    with urllib.request.urlopen(f"http://127.0.0.1:{daemon.port}/health", timeout=TIMEOUT):
        pass
    log = daemon.log()
    assert "keeping the old one" in log and "server.port" in log
    daemon.proc.send_signal(signal.SIGINT)
    assert daemon.proc.wait(TIMEOUT) == 0, daemon.log()


def key_entry(name: str) -> str:
    return f"  - {{name: {name}, role: admin, sha256: {hashlib.sha256(name.encode()).hexdigest()}}}\n"


def test_a_key_file_others_can_write_is_not_reloaded(tmp_path: Path) -> None:
    """Issue 24: as another user, appending an admin key to a 0666 key file gave admin after
    SIGHUP. Now the reload refuses the file, names its mode and keeps the keys in force."""
    keys = tmp_path / "keys.yaml"
    keys.write_text("keys:\n" + key_entry("first"))
    keys.chmod(0o600)
    daemon = Daemon(tmp_path, keys=keys)
    try:
        daemon.messages_until("READY=1")
        keys.chmod(0o666)
        with keys.open("a") as f:
            f.write(key_entry("intruder"))
        daemon.proc.send_signal(signal.SIGHUP)
        assert "RELOADING=1" in daemon.messages_until("READY=1")
        log = daemon.log()
        assert f"auth.api_key_file: {keys}: mode 0666 is writable by others" in log
        assert "keeping the old one" in log and "API keys reloaded" not in log
        daemon.proc.send_signal(signal.SIGTERM)
        assert daemon.proc.wait(TIMEOUT) == 0, daemon.log()
    finally:
        daemon.close()


def test_port_in_use_exits_1_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        config = tmp_path / "config.yaml"
        write_config(config, busy.getsockname()[1])
        result = subprocess.run(
            [sys.executable, "-m", "camera_service", "--config", str(config)],
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")}, capture_output=True, text=True,
            timeout=60, check=False,
        )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "address already in use" in result.stderr.lower() or "in use" in result.stderr
