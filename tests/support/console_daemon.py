"""The real daemon for the console's browser tests and bench, with its test-pattern camera
(camera0) and, where umockdev works, inside a umockdev testbed so that emulated USB cameras
can be plugged and unplugged under it (``plug``/``unplug``).

The testbed lives in a helper process (``monitor_driver.py`` with ``monitor: false``); the
daemon runs under ``umockdev-wrapper`` with ``UMOCKDEV_DIR`` set to that testbed, as
``bench/bench_discovery.py`` does. Without umockdev the daemon runs plainly and ``testbed``
is ``None``. ``mediamtx`` (a dict of ``api_url``/``rtsp_port``/``webrtc_port``/``hls_port``)
points the daemon at a real MediaMTX; without it MediaMTX is absent and the console falls
back to snapshots.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .daemon import stop_process
from .monitor_process import MonitorProcess
from .service_process import free_port, wait_listening
from .umockdev_v4l2 import available as umockdev_unavailable

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 30.0
SECRET = "console-browser-secret-0123456789"


class ConsoleDaemon:
    def __init__(self, tmp: Path, umockdev: bool = True, mediamtx: dict[str, Any] | None = None) -> None:
        self.tmp = tmp
        self.port = free_port()
        self.state = tmp / "state"
        self.config = tmp / "config.yaml"
        self.log = tmp / "daemon.log"
        self.want_umockdev = umockdev
        self.umockdev_reason = umockdev_unavailable() if umockdev else "not asked for"
        self.testbed: MonitorProcess | None = None
        self.proc: subprocess.Popen[bytes] | None = None
        m = mediamtx or {"api_url": "http://127.0.0.1:9"}
        self.config.write_text(
            f"server: {{host: 127.0.0.1, port: {self.port}, public_host: 127.0.0.1}}\n"
            f"auth: {{jwt_secret: {SECRET}}}\n"
            f"mediamtx: {json.dumps(m)}\n"
            f"cameras: {{udev: {'true' if umockdev and not self.umockdev_reason else 'false'}, "
            "test_pattern: true}\n"
            f"storage: {{state_dir: {self.state}, min_free_mb: 1}}\n"
            "logging: {target: console, level: INFO}\n"
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ConsoleDaemon:
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        env.pop("NOTIFY_SOCKET", None)
        argv = [sys.executable, "-m", "camera_service", "--config", str(self.config)]
        if self.want_umockdev and not self.umockdev_reason:
            self.testbed = MonitorProcess({}, self.tmp, umockdev=True, monitor=False)
            ready = self.testbed.start()
            env["UMOCKDEV_DIR"] = ready["root"]
            argv = ["umockdev-wrapper", *argv]
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                         stderr=subprocess.STDOUT)
        wait_listening(self.port, self.proc, self.log)
        return self

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-6000:]
        except OSError:
            return ""

    def token(self, role: str, expires: int | None = None) -> str:
        cmd = [sys.executable, "-m", "camera_service.client.cli", "token", "--role", role,
               "--config", str(self.config)]
        if expires is not None:
            cmd += ["--expires", str(expires)]
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=True)
        return r.stdout.strip()

    def plug(self, name: str, **kwargs: Any) -> None:
        assert self.testbed is not None, self.umockdev_reason
        self.testbed.plug(name, **kwargs)
        self.testbed.next_message("done")

    def unplug(self, name: str) -> float:
        """Unplugs ``name``; returns the wall time just before its uevent was sent."""
        assert self.testbed is not None, self.umockdev_reason
        sent = time.time()
        self.testbed.unplug(name)
        self.testbed.next_message("done")
        return sent

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            stop_process(proc)
        if self.testbed is not None:
            self.testbed.stop()
            self.testbed = None


HOW = "run `make mediamtx` or set MEDIAMTX_BIN=/path/to/mediamtx"
MEDIAMTX_CONFIG = """\
logLevel: info
logDestinations: [stdout]
api: yes
apiAddress: 127.0.0.1:{api}
metrics: no
pprof: no
playback: no
rtsp: yes
rtspAddress: 127.0.0.1:{rtsp}
rtmp: no
srt: no
hls: yes
hlsAddress: 127.0.0.1:{hls}
webrtc: yes
webrtcAddress: 127.0.0.1:{webrtc}
webrtcLocalUDPAddress: 127.0.0.1:{udp}
webrtcIPsFromInterfaces: no
webrtcAdditionalHosts: [127.0.0.1]
paths: {{}}
"""


def find_mediamtx() -> str | None:
    for candidate in (os.environ.get("MEDIAMTX_BIN"), shutil.which("mediamtx"),
                      str(ROOT / ".cache" / "mediamtx" / "mediamtx")):
        if candidate and os.access(candidate, os.X_OK) and Path(candidate).is_file():
            return candidate
    return None


class WebRtcMediaMTX:
    """A real MediaMTX with WebRTC on loopback (free ports), for the live view."""

    def __init__(self, binary: str, tmp: Path) -> None:
        self.binary = binary
        self.tmp = tmp
        self.ports = {k: free_port() for k in ("api", "rtsp", "hls", "webrtc", "udp")}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def daemon_config(self) -> dict[str, Any]:
        p = self.ports
        return {"api_url": f"http://127.0.0.1:{p['api']}", "rtsp_port": p["rtsp"],
                "hls_port": p["hls"], "webrtc_port": p["webrtc"]}

    def start(self) -> WebRtcMediaMTX:
        (self.tmp / "mediamtx.yml").write_text(MEDIAMTX_CONFIG.format(**self.ports))
        with open(self.tmp / "mediamtx.log", "wb") as log:
            self.proc = subprocess.Popen([self.binary, str(self.tmp / "mediamtx.yml")], cwd=self.tmp,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            stop_process(proc)
