"""A real MediaMTX process for the ``mediamtx`` suite: found as ``make run`` finds it
(``find_mediamtx``: ``MEDIAMTX_BIN``, PATH or ``.cache/mediamtx/mediamtx``), started on free
loopback ports with a temporary configuration, and stopped SIGTERM → wait → SIGKILL.
``kill()`` and ``start()`` again (same ports) let a test watch the service survive a
MediaMTX crash.

Settings that only newer MediaMTX versions know (``rtspTransports``, ``moq``) go in as
``MTX_*`` environment variables, which older versions ignore, so the temporary file stays
valid for any 1.x binary someone points ``MEDIAMTX_BIN`` at.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
from pathlib import Path

import aiohttp

# ``(binary, where)`` or ``(None, why not)``: the same search as ``make run``'s
from camera_service.devstack.mediamtx_process import find_mediamtx as find_mediamtx

CONFIG = """\
logLevel: debug
logDestinations: [stdout]
api: yes
apiAddress: 127.0.0.1:{api}
metrics: no
pprof: no
playback: no
rtsp: yes
rtspAddress: 127.0.0.1:{rtsp}
rtmp: no
hls: yes
hlsAddress: 127.0.0.1:{hls}
webrtc: no
srt: no
{extra}paths: {{}}
"""
ENV = {
    "MTX_RTSPTRANSPORTS": "tcp",  # v1.x: no UDP listeners to collide with
    "MTX_PROTOCOLS": "tcp",  # the same for releases before rtspTransports
    "MTX_MOQ": "no",
}


def free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [int(s.getsockname()[1]) for s in socks]
    finally:
        for s in socks:
            s.close()


class MediaMTXProcess:
    def __init__(self, binary: str, workdir: Path, ready_timeout: float = 10.0,
                 env: dict[str, str] | None = None, extra_config: str = "") -> None:
        """``env``: further ``MTX_*`` settings (override the file); ``extra_config``: YAML
        lines for keys the file does not set (e.g. ``authMethod: http``)."""
        self.binary = binary
        self.env = dict(env or {})
        self.extra_config = extra_config
        self.workdir = workdir
        self.ready_timeout = ready_timeout
        self.api_port, self.rtsp_port, self.hls_port, self.webrtc_port = free_ports(4)
        self.config_file = workdir / "mediamtx.yml"
        self.log_file = workdir / "mediamtx.log"
        self._proc: asyncio.subprocess.Process | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.returncode is None

    def log_tail(self, size: int = 4000) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-size:]
        except OSError:
            return ""

    async def start(self) -> None:
        """Start (same ports every time) and wait, bounded, until its API answers."""
        extra = self.extra_config.rstrip("\n") + "\n" if self.extra_config else ""
        self.config_file.write_text(CONFIG.format(api=self.api_port, rtsp=self.rtsp_port,
                                                  hls=self.hls_port, extra=extra))
        with self.log_file.open("ab") as log:
            self._proc = await asyncio.create_subprocess_exec(
                self.binary, str(self.config_file),
                cwd=self.workdir, env={**os.environ, **ENV, **self.env},
                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True,
            )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.ready_timeout
        async with aiohttp.ClientSession() as session:
            while True:
                if self._proc.returncode is not None:
                    raise RuntimeError(f"MediaMTX exited ({self._proc.returncode}):\n"
                                       f"{self.log_tail()}")
                try:
                    async with session.get(self.api_url + "/v3/info",
                                           timeout=aiohttp.ClientTimeout(total=1)) as r:
                        if r.status in (200, 401):  # 401: up, and asking for credentials
                            return
                except (aiohttp.ClientError, TimeoutError):
                    pass
                if loop.time() > deadline:
                    await self.stop()
                    raise RuntimeError(f"MediaMTX API not up within {self.ready_timeout}s:\n"
                                       f"{self.log_tail()}")
                await asyncio.sleep(0.05)

    async def kill(self) -> None:
        """SIGKILL: MediaMTX dies at once and forgets every path it was given."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # its on-demand ffmpeg children too
            await asyncio.wait_for(proc.wait(), self.ready_timeout)

    async def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.returncode is not None:
            return
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), self.ready_timeout)
        except TimeoutError:
            os.killpg(proc.pid, signal.SIGKILL)
            await asyncio.wait_for(proc.wait(), self.ready_timeout)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # an on-demand publisher left behind
