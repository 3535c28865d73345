"""A real RTSP camera for tests: GStreamer's rtsp-server serving a live H.264 test pattern.

``RtspTestServer`` runs ``tests/support/rtsp_test_camera.py`` under Debian's
``/usr/bin/python3`` (python3-gi, gir1.2-gst-rtsp-server-1.0) and serves 640x480 at 15 fps
with a key frame every second at ``rtsp://127.0.0.1:PORT/cam0``::

    with RtspTestServer() as cam:
        ffmpeg -rtsp_transport tcp -i cam.url ...
        cam.kill()      # the camera dies (SIGKILL)
        cam.restart()   # and comes back on the same port

``RtspTestServer(scene="ball")`` serves a still black picture until ``move()`` sets a white
ball moving on it (``still()``: black again), so a test knows when motion begins.

``RtspTestServer(credentials=("admin", "it's me"))`` asks for RTSP Basic auth: ``url``
then carries the user and password (percent-encoded) and ``open_url`` is the same address
without them, which the camera answers with 401.

The port (``0`` = a free one) stays the same across ``stop()``/``start()``/``restart()``.
Every wait is bounded. The methods are synchronous and quick (start waits for the child's
``ready`` line, usually a few hundred ms), so they can be called from sync and async tests.
``available()`` says whether the GStreamer bits are installed so a test can skip cleanly.
"""

from __future__ import annotations

import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO
from urllib.parse import quote

PYTHON = "/usr/bin/python3"
SCRIPT = Path(__file__).with_name("rtsp_test_camera.py")
MOUNT = "cam0"


class RtspServerError(RuntimeError):
    """The test server did not come up (the text includes its stderr)."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def available() -> str | None:
    """``None`` when the server can run here, else the reason it cannot (for pytest.skip)."""
    if not os.access(PYTHON, os.X_OK):
        return f"{PYTHON} not found (Debian's python3 with python3-gi is needed)"
    probe = (
        "import gi; gi.require_version('Gst', '1.0'); "
        "gi.require_version('GstRtspServer', '1.0'); "
        "from gi.repository import Gst, GstRtspServer"
    )
    try:
        r = subprocess.run([PYTHON, "-c", probe], capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"cannot run {PYTHON}: {e}"
    if r.returncode != 0:
        return (
            "GStreamer RTSP server missing: apt-get install gir1.2-gst-rtsp-server-1.0 "
            "gstreamer1.0-rtsp gstreamer1.0-plugins-ugly python3-gi"
        )
    return None


class RtspTestServer:
    def __init__(
        self, port: int = 0, ready_timeout: float = 15.0, stop_timeout: float = 5.0, size: str = "",
        credentials: tuple[str, str] | None = None, scene: str = "", clock: bool = False,
    ):
        self.size = size  # "WIDTHxHEIGHT"; the default is 640x480
        self.scene = scene
        self.credentials = credentials
        self.clock = clock  # frames that show when they were made (rtsp_test_camera.py)
        self._requested_port = port
        self.port = port or free_port()
        self.ready_timeout = ready_timeout
        self.stop_timeout = stop_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None

    @property
    def open_url(self) -> str:
        """The camera's address without user and password."""
        return f"rtsp://127.0.0.1:{self.port}/{MOUNT}"

    @property
    def url(self) -> str:
        """The address to read the camera at: with the user and password it asks for."""
        if self.credentials is None:
            return self.open_url
        user, password = (quote(part, safe="") for part in self.credentials)
        return f"rtsp://{user}:{password}@127.0.0.1:{self.port}/{MOUNT}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # --- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Start the server and wait (bounded) for its ``ready`` line."""
        if self.running:
            return
        attempts = 1 if self._requested_port else 3
        for attempt in range(attempts):
            try:
                self._spawn()
                return
            except RtspServerError:
                # the free port was taken between choosing and binding: pick another one,
                # but only before the first successful start (the port must stay stable)
                if attempt + 1 == attempts:
                    raise
                self.port = free_port()

    def stop(self) -> None:
        """SIGTERM, wait, then SIGKILL; every wait bounded."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is not None:  # it died under the test: say so (shown with a failure)
            sys.stderr.write(f"RTSP test server on port {self.port} had died (exit {proc.returncode}): "
                             f"{self._stderr_tail()}\n")  # fmt: skip
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(self.stop_timeout)
        self._close_files(proc)

    def kill(self) -> None:
        """SIGKILL: the camera disappears without a goodbye (no RTSP TEARDOWN)."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(self.stop_timeout)
        self._close_files(proc)

    def move(self) -> None:
        """Scene ``ball``: the ball appears and moves (from the next frame on)."""
        assert self._proc is not None and self.scene == "ball"
        self._proc.send_signal(signal.SIGUSR1)

    def still(self) -> None:
        """Scene ``ball``: the picture is black and still again."""
        assert self._proc is not None and self.scene == "ball"
        self._proc.send_signal(signal.SIGUSR2)

    def restart(self) -> None:
        """Stop and start again on the same port."""
        self.stop()
        self._requested_port = self.port
        self.start()

    def __enter__(self) -> RtspTestServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- internals ---------------------------------------------------------------------

    def _spawn(self) -> None:
        stderr = tempfile.TemporaryFile()
        env = dict(os.environ)
        env.pop("RTSP_TEST_CAMERA_AUTH", None)
        env.pop("RTSP_TEST_CAMERA_SCENE", None)
        if self.scene:
            env["RTSP_TEST_CAMERA_SCENE"] = self.scene
        env.pop("RTSP_TEST_CAMERA_CLOCK", None)
        if self.clock:
            env["RTSP_TEST_CAMERA_CLOCK"] = "1"
        if self.credentials is not None:
            env["RTSP_TEST_CAMERA_AUTH"] = ":".join(self.credentials)
        proc = subprocess.Popen(
            [PYTHON, str(SCRIPT), str(self.port), *([self.size] if self.size else [])],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            start_new_session=True,  # a Ctrl-C in the terminal does not reach it
            env=env,
        )
        self._stderr = stderr
        assert proc.stdout is not None
        deadline = time.monotonic() + self.ready_timeout
        line = b""
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            while b"\n" not in line:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    break
                chunk = os.read(proc.stdout.fileno(), 256)
                if not chunk:
                    break
                line += chunk
        if line.strip() == b"ready" and proc.poll() is None:
            self._proc = proc
            return
        # not ready: collect why, then clean up
        if proc.poll() is None:
            proc.kill()
        proc.wait(self.stop_timeout)
        why = self._stderr_tail()
        self._close_files(proc)
        raise RtspServerError(
            f"RTSP test server on port {self.port} not ready within {self.ready_timeout}s "
            f"(exit {proc.returncode}): {why.strip() or line.decode(errors='replace')}"
        )

    def _stderr_tail(self, limit: int = 2000) -> str:
        if self._stderr is None or self._stderr.closed:
            return ""
        self._stderr.seek(0)
        return self._stderr.read()[-limit:].decode(errors="replace").strip()

    def _close_files(self, proc: subprocess.Popen[bytes]) -> None:
        if proc.stdout is not None:
            proc.stdout.close()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


CLOCK = (160, 120, 8, 4)  # rtsp_test_camera.CLOCK: width, height, blocks across, down


def read_clock(gray: bytes) -> int:
    """The milliseconds a clock frame (``RtspTestServer(clock=True)``, decoded to GRAY8)
    shows: each block's centre pixel, white for 1."""
    width, height, across, down = CLOCK
    bw, bh = width // across, height // down
    ms = 0
    for by in range(down):
        for bx in range(across):
            if gray[(by * bh + bh // 2) * width + bx * bw + bw // 2] > 128:
                ms |= 1 << (by * across + bx)
    return ms
