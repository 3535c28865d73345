"""The daemon as a user runs it, for end-to-end tests: a config with a fixed port (from
``free_port``), ``python3 -m camera_service`` started by ``serve`` (optionally under a
wrapper such as ``umockdev-wrapper``), ready once ``/health`` answers, driven by ``camera-ctl``
through ``Service``, and stopped SIGTERM → wait → SIGKILL."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.daemon import ENV, TIMEOUT, stop_process

__all__ = ["ENV", "TIMEOUT", "Service", "free_port", "serve", "wait_listening"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Service:
    proc: subprocess.Popen[bytes]
    config: Path
    port: int
    log: Path
    state: Path

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def ctl(
        self, *args: str, token: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "camera_service.client.cli", "--url", self.url]
        if token:
            cmd += ["--token", token]
        result = subprocess.run([*cmd, *args], env=ENV, capture_output=True, text=True,
                                timeout=TIMEOUT * 2, check=False)
        if check:
            assert result.returncode == 0, f"camera-ctl {args}: {result.stderr}\n{self.log.read_text()}"
        return result

    def ctl_json(self, *args: str, token: str) -> Any:
        return json.loads(self.ctl("--json", *args, token=token).stdout)

    def token(self, role: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "camera_service.client.cli", "token", "--role", role,
             "--config", str(self.config)], env=ENV, capture_output=True, text=True, timeout=TIMEOUT,
            check=True,
        )
        return result.stdout.strip()


def wait_listening(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return
        except urllib.error.HTTPError as e:
            e.close()
            return  # 503 while degraded is still an answer
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"service did not listen within {TIMEOUT}s\n{log.read_text()}")


@contextmanager
def serve(
    config: Path, port: int, tmp: Path, env: Mapping[str, str] = ENV, wrapper: Sequence[str] = ()
) -> Iterator[Service]:
    """The daemon of ``config`` (listening on ``port``, state in ``tmp / "state"``, output in
    ``tmp / "daemon.log"``) until the block ends."""
    log = tmp / "daemon.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [*wrapper, sys.executable, "-m", "camera_service", "--config", str(config)],
            env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_listening(port, proc, log)
        yield Service(proc, config, port, log, tmp / "state")
    finally:
        stop_process(proc)
