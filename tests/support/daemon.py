"""The real daemon (``python3 -m camera_service``) on port 0 for black-box tests, and a small
WebSocket JSON-RPC client that keeps every frame in arrival order (so a test can see whether
a notification came before or after a reply).

``Daemon(tmp, extra_yaml)`` writes a config (loopback, a closed MediaMTX port unless given,
the test-pattern camera, state under ``tmp``), starts the process, and reads the bound port
from its "API listening on ..." log line. ``stop()`` is SIGTERM → wait → SIGKILL.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import websockets

from camera_service.rpc.auth import Role, mint_token

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
TIMEOUT = 30.0  # the one time unit of daemon tests (a loaded 2-core machine starts ffmpeg slowly)
SECRET = "daemon-test-secret-0123456789abcdef"
LISTENING = re.compile(r"API listening on wss?://[^:]+:(\d+)/ws")


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, wait up to ``TIMEOUT``, then SIGKILL (a process that has exited is left)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(TIMEOUT)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Daemon:
    def __init__(self, tmp: Path, extra: str = "", mediamtx: str | None = None) -> None:
        """``extra``: more lines of the ``cameras:`` section; ``mediamtx``: the body of the
        ``mediamtx:`` flow mapping (default: an API URL where nothing listens)."""
        self.tmp = tmp
        self.state = tmp / "state"
        self.config = tmp / "config.yaml"
        mtx = mediamtx or f"api_url: 'http://127.0.0.1:{closed_port()}'"
        self.config.write_text(
            "server: {host: 127.0.0.1, port: 0, public_host: 127.0.0.1}\n"
            f"auth: {{jwt_secret: {SECRET}}}\n"
            f"mediamtx: {{{mtx}}}\n"
            "cameras:\n  udev: false\n  test_pattern: true\n  network_probe_interval: 1\n"
            "  external: {allow: [127.0.0.0/8]}\n"  # the test cameras listen on loopback
            f"{extra}"
            f"storage: {{state_dir: {self.state}, min_free_mb: 1}}\n"
            "logging: {target: console}\n"
        )
        self.log = tmp / "daemon.log"
        self.port = 0
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "camera_service", "--config", str(self.config)],
                env=ENV, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            self.port = self._wait_port()
        except BaseException:
            self.stop()
            raise

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def token(self, role: str = "admin") -> str:
        return mint_token(SECRET, "contract", Role.parse(role), 3600, time.time())

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def _wait_port(self) -> int:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            if (m := LISTENING.search(self.log_text())) is not None:
                return int(m.group(1))
            assert self.proc.poll() is None, f"daemon exited:\n{self.log_text()}"
            time.sleep(0.05)
        raise AssertionError(f"daemon not listening within {TIMEOUT}s\n{self.log_text()}")

    def stop(self) -> None:
        stop_process(self.proc)


class Client:
    """JSON-RPC over one WebSocket; ``frames`` holds every frame received, in order."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []
        self._id = 0

    @classmethod
    async def connect(cls, url: str) -> Client:
        # websockets exports connect lazily, which mypy cannot see
        connect = websockets.connect  # type: ignore[attr-defined]
        ws = await asyncio.wait_for(connect(url, compression=None, open_timeout=TIMEOUT), TIMEOUT)
        return cls(ws)

    async def close(self) -> None:
        await self.ws.close()

    async def _recv(self, within: float) -> dict[str, Any]:
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), within))
        self.frames.append(frame)
        return frame

    async def call(self, method: str, params: Any = None, within: float = TIMEOUT) -> dict[str, Any]:
        """The reply (result or error) to one request; notifications meanwhile stay in ``frames``."""
        self._id += 1
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "id": self._id}
        if params is not None:
            message["params"] = params
        await self.ws.send(json.dumps(message))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            frame = await self._recv(max(0.01, deadline - loop.time()))
            if frame.get("id") == self._id and "method" not in frame:
                return frame

    async def result(self, method: str, params: Any = None, within: float = TIMEOUT) -> Any:
        reply = await self.call(method, params, within)
        assert "result" in reply, f"{method}: {reply}"
        return reply["result"]

    def index(self, frame: dict[str, Any]) -> int:
        """Where ``frame`` (a reply or notification from this client) is in ``frames``."""
        return next(i for i, f in enumerate(self.frames) if f is frame)

    async def notification(
        self, method: str, start: int = 0, within: float = TIMEOUT, **params: Any
    ) -> dict[str, Any]:
        """The first notification named ``method`` (with these params) at or after
        ``frames[start]``, waiting (bounded) for it to come."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        i = start
        while True:
            while i < len(self.frames):
                f = self.frames[i]
                i += 1
                p = f.get("params") or {}
                if f.get("method") == method and all(p.get(k) == v for k, v in params.items()):
                    return f
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"no {method} {params} within {within}s; got {self.frames}")
            try:
                await self._recv(remaining)
            except TimeoutError:
                continue
