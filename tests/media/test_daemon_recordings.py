"""The real daemon (``python3 -m camera_service``) recording a real RTSP camera, driven only
through ``camera-ctl``, then stopped by a signal: SIGTERM finalizes the file and exits 0;
SIGKILL still leaves a playable file (fmp4, and a plain mp4 whose index ffmpeg writes when
its lifeline ends) and no ffmpeg recording on as an orphan. MediaMTX is
absent here, so the network camera is read directly (degraded mode)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.rtsp_server import RtspTestServer

from .helpers import TIMEOUT, playable, require_ffmpeg

pytestmark = pytest.mark.ivv

SRC = Path(__file__).resolve().parents[2] / "src"
ENV = {**os.environ, "PYTHONPATH": str(SRC)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Daemon:
    def __init__(self, tmp: Path, camera_url: str) -> None:
        self.port = free_port()
        self.state = tmp / "state"
        self.config = tmp / "config.yaml"
        self.config.write_text(
            f"server: {{host: 127.0.0.1, port: {self.port}}}\n"
            "auth: {jwt_secret: media-daemon-test-secret-0123456789abcdef}\n"
            "mediamtx: {api_url: 'http://127.0.0.1:9'}\n"
            "cameras:\n  udev: false\n  test_pattern: false\n  network_probe_interval: 1\n"
            f"  network:\n    - url: {camera_url}\n"
            f"storage: {{state_dir: {self.state}, min_free_mb: 1}}\n"
            "logging: {target: console}\n"
        )
        self.log = tmp / "daemon.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "camera_service", "--config", str(self.config)],
                env=ENV, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self._wait_listening()
        self.token = self._ctl("token", "--role", "operator", "--config", str(self.config))

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2):
                    return
            except urllib.error.HTTPError as e:
                e.close()
                return  # 503 while MediaMTX is missing is still an answer
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"daemon not listening within {TIMEOUT}s\n{self.log.read_text()}")

    def _ctl(self, *args: str) -> str:
        cmd = [sys.executable, "-m", "camera_service.client.cli", *args]
        r = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=TIMEOUT * 2,
                           check=False)  # fmt: skip
        assert r.returncode == 0, f"camera-ctl {args}: {r.stderr}\n{self.log.read_text()}"
        return r.stdout.strip()

    def ctl(self, *args: str) -> Any:
        url = f"ws://127.0.0.1:{self.port}/ws"
        return json.loads(self._ctl("--url", url, "--token", self.token, "--json", *args))

    def wait_connected(self) -> None:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            cams = self.ctl("list")["cameras"]
            if cams and cams[0]["status"] == "CONNECTED":
                return
            time.sleep(0.2)
        raise AssertionError(f"camera not CONNECTED in {TIMEOUT}s\n{self.log.read_text()}")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(TIMEOUT)


@pytest.fixture
def daemon(rtsp_server_module: RtspTestServer, tmp_path: Path) -> Iterator[Daemon]:
    require_ffmpeg()
    d = Daemon(tmp_path, rtsp_server_module.url)
    try:
        d.wait_connected()
        yield d
    finally:
        d.close()
        for pid in ffmpeg_writing_under(tmp_path):  # never leave a recorder behind
            os.kill(pid, signal.SIGKILL)


def ffmpeg_writing_under(folder: Path) -> list[int]:
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().split(b"\0")
            with open(f"/proc/{entry}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and cmd and cmd[0].endswith(b"ffmpeg") and str(folder).encode() in b" ".join(cmd):
            found.append(int(entry))
    return found


def wait_for_bytes(path: Path, size: int) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not (path.exists() and path.stat().st_size >= size):
        assert time.monotonic() < deadline, f"{path.name} did not reach {size} bytes"
        time.sleep(0.1)


@pytest.mark.parametrize("fmt", ["mp4", "fmp4"])
def test_sigterm_mid_recording_finalizes_the_file_and_exits_0(daemon: Daemon, fmt: str) -> None:
    started = daemon.ctl("record", "start", "camera0", "--format", fmt)
    assert started["status"] == "RECORDING"
    path = daemon.state / "recordings" / started["filename"]
    wait_for_bytes(path, 300_000)
    daemon.proc.send_signal(signal.SIGTERM)
    assert daemon.proc.wait(TIMEOUT * 2) == 0, daemon.log.read_text()
    assert playable(path, min_frames=5)  # a plain mp4 plays only if its moov was written
    assert ffmpeg_writing_under(daemon.state) == []


@pytest.mark.parametrize("fmt", ["fmp4", "mp4"])
def test_sigkill_mid_recording_leaves_a_playable_file_and_no_orphan(daemon: Daemon, fmt: str) -> None:
    started = daemon.ctl("record", "start", "camera0", "--format", fmt)
    assert started["format"] == fmt
    path = daemon.state / "recordings" / started["filename"]
    wait_for_bytes(path, 700_000)
    daemon.proc.kill()
    daemon.proc.wait(TIMEOUT)
    deadline = time.monotonic() + TIMEOUT
    while ffmpeg_writing_under(daemon.state):  # its lifeline ended: it finishes, then exits
        assert time.monotonic() < deadline, "ffmpeg kept recording after the daemon died"
        time.sleep(0.1)
    assert playable(path, min_frames=15)
