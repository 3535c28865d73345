"""The parent side of ``monitor_driver.py``: start the real camera monitor in a child
process (under ``umockdev-wrapper`` with a testbed, or on real hardware), plug and unplug
emulated cameras there, follow the registry it reports, wait (bounded) for conditions.

All waits share one unit, ``TIMEOUT`` seconds."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

DRIVER = Path(__file__).with_name("monitor_driver.py")
WRAPPER = "umockdev-wrapper"
SRC = Path(__file__).resolve().parents[2] / "src"
TIMEOUT = 15.0

Cameras = dict[str, dict[str, Any]]


class MonitorProcessError(AssertionError):
    pass


class MonitorProcess:
    def __init__(
        self,
        cameras: dict[str, Any],
        state_dir: Path,
        umockdev: bool = True,
        initial: list[dict[str, Any]] | None = None,
        monitor: bool = True,
        records: list[str] | None = None,
        log_level: str = "INFO",
    ) -> None:
        args = json.dumps({"cameras": cameras, "state_dir": str(state_dir),
                           "umockdev": umockdev, "initial": initial or [], "monitor": monitor,
                           "records": records or [], "log_level": log_level})
        argv = [sys.executable, str(DRIVER), args]
        self.argv = [WRAPPER, *argv] if umockdev else argv
        self.env = dict(os.environ)
        self.env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(SRC), str(DRIVER.parent.parent), self.env.get("PYTHONPATH", "")) if p
        )
        self.cameras: Cameras = {}
        self.events: list[dict[str, Any]] = []
        self.done: list[dict[str, Any]] = []
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._buffer = b""

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> dict[str, Any]:
        self._stderr = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
            env=self.env,
        )
        return self.next_message("ready")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.poll() is None and proc.stdin is not None:
                proc.stdin.write(b'{"op": "quit"}\n')
                proc.stdin.flush()
            proc.wait(TIMEOUT)
        except (BrokenPipeError, subprocess.TimeoutExpired):
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        finally:
            for f in (proc.stdin, proc.stdout):
                if f is not None:
                    f.close()
            if self._stderr is not None:
                self._stderr.close()

    def __enter__(self) -> MonitorProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stderr(self, limit: int = 4000) -> str:
        """The end (``limit`` characters, 0 = all) of what the process logged so far."""
        if self._stderr is None or self._stderr.closed:
            return ""
        self._stderr.seek(0)
        return self._stderr.read()[-limit:].decode(errors="replace")

    # -- reading --------------------------------------------------------------------------
    def _read_line(self, deadline: float) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    raise MonitorProcessError(f"no message from the monitor in time\n{self.stderr()}")
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise MonitorProcessError(f"the monitor exited\n{self.stderr()}")
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        message: dict[str, Any] = json.loads(line)
        if message["type"] == "error":
            raise MonitorProcessError(f"driver refused a command: {message}")
        self._apply(message)
        return message

    def _apply(self, message: dict[str, Any]) -> None:
        if message["type"] in ("ready", "snapshot"):
            self.cameras = {c["id"]: c for c in message["cameras"]}
        elif message["type"] == "done":
            self.done.append(message)
        elif message["type"] == "event":
            self.events.append(message)
            camera = message["camera"]
            if message["kind"] == "removed":
                self.cameras.pop(camera["id"], None)
            else:
                self.cameras[camera["id"]] = camera

    def next_message(self, kind: str, timeout: float = TIMEOUT) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while (message := self._read_line(deadline))["type"] != kind:
            pass
        return message

    def wait_for(self, condition: Callable[[Cameras], bool], timeout: float = TIMEOUT,
                 what: str = "condition") -> Cameras:
        """Read events until ``condition(cameras)`` holds."""
        deadline = time.monotonic() + timeout
        while not condition(self.cameras):
            try:
                self._read_line(deadline)
            except MonitorProcessError as e:
                raise MonitorProcessError(f"{what} not reached; cameras: {self.cameras}\n{e}") from None
        return self.cameras

    def send(self, *commands: dict[str, Any]) -> None:
        """Send commands (``{"op": "plug", "name": "video0", ...}``) in one write."""
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(b"".join(json.dumps(c).encode() + b"\n" for c in commands))
        self._proc.stdin.flush()

    def plug(self, name: str, **kwargs: Any) -> None:
        self.send({"op": "plug", "name": name, **kwargs})

    def unplug(self, name: str) -> None:
        self.send({"op": "unplug", "name": name})

    def remove_device(self, sys_path: str, uevent: bool = True) -> None:
        """Unplug a device of a ``records`` machine (a sensor, a receiver)."""
        self.send({"op": "remove_device", "sys_path": sys_path, "uevent": uevent})

    def snapshot(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The registry once the monitor has handled everything it has received."""
        self.send({"op": "snapshot"})
        return self.next_message("snapshot", timeout)
