"""The real daemon recording the real RTSP camera continuously (mode from the config file),
driven through ``camera-ctl call``: SIGKILLed mid-segment it leaves that segment playable
(fmp4) and, started again, resumes by itself and shows the outage as one gap; a mode set
over the API is saved and survives a restart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from camera_service.rpc.schemas_recording import RECORDING_TIMELINE
from support.rtsp_server import RtspTestServer

from .helpers import TIMEOUT, playable, require_ffmpeg
from .test_daemon_recordings import ENV, ffmpeg_writing_under, free_port

pytestmark = pytest.mark.ivv


class Daemon:
    def __init__(self, tmp: Path, camera_url: str) -> None:
        self.port = free_port()
        self.state = tmp / "state"
        self.recordings = self.state / "recordings"
        self.config = tmp / "config.yaml"
        self.config.write_text(
            f"server: {{host: 127.0.0.1, port: {self.port}}}\n"
            "auth: {jwt_secret: media-daemon-test-secret-0123456789}\n"
            "mediamtx: {api_url: 'http://127.0.0.1:9'}\n"
            "cameras:\n  udev: false\n  test_pattern: false\n  network_probe_interval: 1\n"
            f"  network:\n    - url: {camera_url}\n"
            "  recording: {mode: continuous, segment_seconds: 2}\n"
            f"storage: {{state_dir: {self.state}, min_free_mb: 1}}\n"
            "logging: {target: console}\n"
        )
        self.log = tmp / "daemon.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.token = self._ctl("token", "--role", "operator", "--config", str(self.config))

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "camera_service", "--config", str(self.config)],
                env=ENV, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def _ctl(self, *args: str) -> str:
        cmd = [sys.executable, "-m", "camera_service.client.cli", *args]
        r = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=TIMEOUT * 2,
                           check=False)  # fmt: skip
        assert r.returncode == 0, f"camera-ctl {args}: {r.stderr}\n{self.log.read_text()}"
        return r.stdout.strip()

    def call(self, method: str, params: dict[str, Any]) -> Any:
        url = f"ws://127.0.0.1:{self.port}/ws"
        return json.loads(self._ctl("--url", url, "--token", self.token, "--json", "call", method,
                                    json.dumps(params)))  # fmt: skip

    def segments(self) -> list[Path]:
        if not self.recordings.exists():
            return []
        return sorted(p for p in self.recordings.iterdir() if p.name.startswith("camera0_"))

    def wait(self, what: str, predicate: Any) -> Any:
        deadline = time.monotonic() + TIMEOUT * 2
        while time.monotonic() < deadline:
            assert self.proc is not None and self.proc.poll() is None, self.log.read_text()
            if value := predicate():
                return value
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}\n{self.log.read_text()}")

    def wait_ready(self) -> None:
        def answers() -> bool:
            try:
                self.call("ping", {})
            except AssertionError:
                return False
            return True

        self.wait("the API", answers)

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(TIMEOUT)


@pytest.fixture
def daemon(rtsp_server_module: RtspTestServer, tmp_path: Path) -> Iterator[Daemon]:
    require_ffmpeg()
    d = Daemon(tmp_path, rtsp_server_module.url)
    try:
        yield d
    finally:
        d.close()
        for pid in ffmpeg_writing_under(tmp_path):  # never leave a recorder behind
            os.kill(pid, signal.SIGKILL)


def _grown(path: Path, size: int) -> bool:
    return path.exists() and path.stat().st_size >= size


def test_sigkill_then_restart_resumes_by_itself_and_the_killed_segment_plays(daemon: Daemon) -> None:
    daemon.start()
    daemon.wait("two segments", lambda: len(daemon.segments()) >= 2)
    daemon.wait_ready()
    mode = daemon.call("get_recording_mode", {"device": "camera0"})
    assert (mode["mode"], mode["status"], mode["source"]) == ("continuous", "STARTED", "default")
    killed = daemon.wait("the open segment to hold a GOP",
                         lambda: (s := daemon.segments()[-1]) and _grown(s, 150_000) and s)  # fmt: skip
    assert daemon.proc is not None
    daemon.proc.kill()
    daemon.proc.wait(TIMEOUT)
    deadline = time.monotonic() + TIMEOUT
    while ffmpeg_writing_under(daemon.state):  # its lifeline ended: it finishes, then exits
        assert time.monotonic() < deadline, "ffmpeg kept recording after the daemon died"
        time.sleep(0.1)
    assert playable(killed, min_frames=10)

    before = set(daemon.segments())
    daemon.start()
    daemon.wait("a new segment", lambda: [p for p in daemon.segments() if p not in before and _grown(p, 1)])
    daemon.wait_ready()
    timeline = daemon.call("get_recording_timeline", {"device": "camera0"})
    files = [f for r in timeline["ranges"] for f in r["files"]]
    assert killed.name in files  # recovered from ffmpeg's list after the crash
    assert len(timeline["ranges"]) == 2 and len(timeline["gaps"]) == 1, timeline
    assert timeline["gaps"][0]["cause"] == "service not running"
    assert isinstance(timeline["gaps"][0]["duration"], int)
    jsonschema.validate(timeline, RECORDING_TIMELINE, format_checker=jsonschema.FormatChecker())


def test_a_mode_set_over_the_api_stops_recording_and_survives_a_restart(daemon: Daemon) -> None:
    daemon.start()
    daemon.wait("a segment", lambda: daemon.segments())
    daemon.wait_ready()
    def probed() -> bool:
        return bool(daemon.call("get_camera_list", {})["cameras"][0]["status"] == "CONNECTED")

    daemon.wait("camera0 probed", probed)
    # a manual recording beside the continuous one never takes a segment's name
    manual = json.loads(daemon._ctl("--url", f"ws://127.0.0.1:{daemon.port}/ws", "--token", daemon.token,
                                    "--json", "record", "start", "camera0", "--duration", "1"))  # fmt: skip
    assert manual["filename"].endswith("_1.mp4"), manual
    off = daemon.call("set_recording_mode", {"device": "camera0", "mode": "off"})
    assert (off["mode"], off["source"], off["segment_seconds"]) == ("off", "api", 2)
    daemon.wait("ffmpeg to stop", lambda: not ffmpeg_writing_under(daemon.state))
    assert daemon.proc is not None
    daemon.proc.send_signal(signal.SIGTERM)
    assert daemon.proc.wait(TIMEOUT * 2) == 0, daemon.log.read_text()
    count = len(daemon.segments())
    daemon.start()
    daemon.wait_ready()
    mode = daemon.call("get_recording_mode", {"device": "camera0"})
    assert (mode["mode"], mode["status"], mode["source"]) == ("off", "STOPPED", "api")
    time.sleep(1.5)  # long enough for a recording to have started, were the mode lost
    assert not ffmpeg_writing_under(daemon.state) and len(daemon.segments()) == count


def test_a_changed_recording_config_applies_on_sighup_without_a_restart(daemon: Daemon) -> None:
    daemon.start()
    daemon.wait("a segment", lambda: daemon.segments())
    daemon.wait_ready()
    text = daemon.config.read_text()
    daemon.config.write_text(text.replace("recording: {mode: continuous,", "recording: {mode: 'off',"))
    assert daemon.proc is not None
    daemon.proc.send_signal(signal.SIGHUP)
    daemon.wait("ffmpeg to stop", lambda: not ffmpeg_writing_under(daemon.state))
    mode = daemon.call("get_recording_mode", {"device": "camera0"})
    assert (mode["mode"], mode["status"], mode["reason"]) == ("off", "STOPPED", "mode off")
    assert "'cameras' changed: restart" not in daemon.log.read_text()
