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

import base64
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from camera_service.devstack import mediamtx_process

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
{auth}api: yes
apiAddress: 127.0.0.1:{api}
metrics: no
pprof: no
playback: no
rtsp: yes
rtspAddress: 127.0.0.1:{rtsp}
rtspTransports: [tcp]
rtmp: no
srt: no
moq: no
hls: yes
hlsAddress: 127.0.0.1:{hls}
{hls_settings}hlsMuxerCloseAfter: 2s
webrtc: yes
webrtcAddress: 127.0.0.1:{webrtc}
webrtcLocalUDPAddress: 127.0.0.1:{udp}
webrtcIPsFromInterfaces: no
webrtcAdditionalHosts: [127.0.0.1]
paths: {{}}
"""
# as the Ansible role writes it (stream auth on): every request is decided by the daemon
STREAM_AUTH = "authMethod: http\nauthHTTPAddress: {url}\nauthHTTPExclude: []\n"


ROLE_DEFAULTS = ROOT / "ansible" / "roles" / "mediamtx" / "defaults" / "main.yml"
ROLE_HLS = {"hlsVariant": "mediamtx_hls_variant", "hlsSegmentCount": "mediamtx_hls_segment_count",
            "hlsSegmentDuration": "mediamtx_hls_segment_duration",
            "hlsPartDuration": "mediamtx_hls_part_duration"}


def role_hls_settings() -> str:
    """The HLS settings the Ansible role gives MediaMTX (its defaults), as YAML lines: the
    console is tested with the muxer it gets when installed."""
    import yaml

    defaults = yaml.safe_load(ROLE_DEFAULTS.read_text(encoding="utf-8"))
    return "".join(f"{key}: {defaults[var]}\n" for key, var in ROLE_HLS.items())


def find_mediamtx() -> str | None:
    """The binary ``make run`` would start (``MEDIAMTX_BIN``, PATH, ``make mediamtx``'s)."""
    return mediamtx_process.find_mediamtx()[0]


class WebRtcMediaMTX:
    """A real MediaMTX with WebRTC and HLS on loopback (free ports), for the live view,
    with the role's HLS settings.

    ``start(auth_url)`` points its authentication at the daemon's ``/mediamtx/auth`` (the
    daemon's port is known before it starts: ``ConsoleDaemon`` picks it when made), so
    viewers need their token, as installed by the role. ``api_user``/``api_password`` go
    into the daemon's configuration; ``api()`` asks MediaMTX's API with them. ``kill()`` and
    ``start()`` again (same ports) let a test watch the console survive a crash."""

    def __init__(self, binary: str, tmp: Path) -> None:
        self.binary = binary
        self.tmp = tmp
        self.ports = {k: free_port() for k in ("api", "rtsp", "hls", "webrtc", "udp")}
        self.api_user = "console-test-api"
        self.api_password = secrets.token_urlsafe(16)
        self.auth_url: str | None = None
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def daemon_config(self) -> dict[str, Any]:
        p = self.ports
        return {"api_url": f"http://127.0.0.1:{p['api']}", "rtsp_port": p["rtsp"],
                "hls_port": p["hls"], "webrtc_port": p["webrtc"],
                "api_user": self.api_user, "api_password": self.api_password}

    def start(self, auth_url: str | None = None) -> WebRtcMediaMTX:
        if auth_url is not None:
            self.auth_url = auth_url
        auth = STREAM_AUTH.format(url=self.auth_url) if self.auth_url else ""
        (self.tmp / "mediamtx.yml").write_text(MEDIAMTX_CONFIG.format(
            auth=auth, hls_settings=role_hls_settings(), **self.ports))
        with open(self.tmp / "mediamtx.log", "ab") as log:
            self.proc = subprocess.Popen([self.binary, str(self.tmp / "mediamtx.yml")], cwd=self.tmp,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def api(self, path: str) -> tuple[int, Any]:
        """``(status, JSON body or None)`` of ``GET path`` on MediaMTX's API; ``(0, None)``
        while nothing answers."""
        token = base64.b64encode(f"{self.api_user}:{self.api_password}".encode()).decode()
        req = urllib.request.Request(f"http://127.0.0.1:{self.ports['api']}{path}",
                                     headers={"Authorization": f"Basic {token}"})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, None
        except OSError:
            return 0, None

    def wait_api(self, timeout: float = TIMEOUT) -> float:
        """Until the API answers at all (401 included: the daemon is asked); returns the
        time.monotonic() it first did."""
        deadline = time.monotonic() + timeout
        while (status := self.api("/v3/info")[0]) == 0:
            assert self.proc is not None and self.proc.poll() is None, self.log_text()
            assert time.monotonic() < deadline, f"MediaMTX API not up\n{self.log_text()}"
            time.sleep(0.02)
        assert status in (200, 401), status
        return time.monotonic()

    def log_text(self) -> str:
        try:
            return (self.tmp / "mediamtx.log").read_text(errors="replace")[-6000:]
        except OSError:
            return ""

    def kill(self) -> None:
        """SIGKILL, its on-demand publishers with it: every session and path is gone."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(TIMEOUT)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            mediamtx_process.stop_session(proc, TIMEOUT)  # an on-demand publisher too
