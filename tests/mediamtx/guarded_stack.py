"""The whole service guarding a real MediaMTX (``authMethod: http`` pointed at the service's
``/mediamtx/auth``, as the mediamtx role configures it), for the ``mediamtx`` suite: the
``guarded`` fixture (``guarded_stack`` for a stack with more camera settings) and helpers to
read and publish with ffmpeg."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from mediamtx_process import MediaMTXProcess, free_ports
from mediamtx_support import T

from camera_service.app import Application
from camera_service.config import load_config
from camera_service.mediamtx.client import MediaMTXClient
from camera_service.rpc.auth import Role, key_file_entry
from support.console_daemon import role_hls_settings

SECRET = "live-stream-auth-secret-0123456789abcdef"
FIRST_KEY, SECOND_KEY = "csk_live-first-key-0123456789", "csk_live-second-key-0123456789"


@dataclass
class Guarded:
    app: Application
    mediamtx: MediaMTXProcess
    keys: Path

    @property
    def rtsp(self) -> str:
        return f"127.0.0.1:{self.mediamtx.rtsp_port}"

    def token(self, role: Role = Role.VIEWER) -> str:
        return self.app.api.ctx.authenticator.mint("live", role, 600)


async def until(check: Callable[[], Awaitable[bool]], what: str, limit: float = 3 * T) -> None:
    deadline = time.monotonic() + limit
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {limit}s: {what}")
        await asyncio.sleep(0.1)


async def run_ffmpeg(*args: str, limit: float = 3 * T) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", *args,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE)
    try:
        _, err = await asyncio.wait_for(proc.communicate(), limit)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return -9, "timed out"
    assert proc.returncode is not None
    return proc.returncode, err.decode(errors="replace")


async def read_rtsp(url: str, out: Path) -> tuple[int, str]:
    return await run_ffmpeg("-rtsp_transport", "tcp", "-i", url, "-frames:v", "1", "-y", str(out))


@pytest.fixture
async def guarded(mediamtx_bin: str, tmp_path: Path) -> AsyncIterator[Guarded]:
    async with guarded_stack(mediamtx_bin, tmp_path) as g:
        yield g


@asynccontextmanager
async def guarded_stack(
    mediamtx_bin: str, tmp_path: Path, cameras: str = "", pattern: tuple[int, int] = (320, 240)
) -> AsyncIterator[Guarded]:
    """The ``guarded`` stack; ``cameras``: more keys of the ``cameras:`` flow mapping (e.g.
    ``"motion: {enabled: true}"``); ``pattern``: the test pattern's size. Yields once camera0
    is configured in MediaMTX."""
    more = f", {cameras}" if cameras else ""
    keys = tmp_path / "keys.yaml"
    keys.write_text("keys:\n" + key_file_entry("dash", Role.VIEWER, FIRST_KEY))
    webrtc_udp = free_ports(1)[0]
    # MediaMTX's ports are chosen now; it starts once the service listens (it asks the service)
    mediamtx = MediaMTXProcess(mediamtx_bin, tmp_path, ready_timeout=T)
    config = tmp_path / "config.yaml"
    config.write_text(
        "server: {host: 127.0.0.1, port: 0, public_host: 127.0.0.1}\n"
        f"auth: {{jwt_secret: {SECRET}, api_key_file: {keys}}}\n"
        f"mediamtx: {{api_url: '{mediamtx.api_url}', rtsp_port: {mediamtx.rtsp_port}, "
        f"hls_port: {mediamtx.hls_port}, webrtc_port: {mediamtx.webrtc_port}, "
        "health_interval: 0.5, reconcile_interval: 1, close_after: 5, start_timeout: 10}\n"
        "cameras: {udev: false, include: [], "
        f"test_pattern: {{enabled: true, width: {pattern[0]}, height: {pattern[1]}, fps: 10}}{more}}}\n"
        f"storage: {{state_dir: {tmp_path / 'state'}, min_free_mb: 1}}\n"
    )
    async with Application(load_config(config)) as app:
        # what the mediamtx role writes: every action asks the service, nothing excluded
        # and its HLS muxer settings
        mediamtx.extra_config = (f"authMethod: http\nauthHTTPAddress: http://127.0.0.1:{app.port}"
                                 "/mediamtx/auth\nauthHTTPExclude: []\n" + role_hls_settings())
        mediamtx.env.update({
            "MTX_WEBRTC": "yes",
            "MTX_WEBRTCADDRESS": f"127.0.0.1:{mediamtx.webrtc_port}",
            "MTX_WEBRTCLOCALUDPADDRESS": f"127.0.0.1:{webrtc_udp}",
            "MTX_WEBRTCLOCALTCPADDRESS": "",
        })
        await mediamtx.start()
        try:
            g = Guarded(app, mediamtx, keys)
            internal = app.api.ctx.internal
            assert internal is not None and internal.api is not None
            async with aiohttp.ClientSession() as session:
                client = MediaMTXClient(session, mediamtx.api_url, user=internal.api.user,
                                        password=internal.api.password, timeout=T / 2)

                async def configured() -> bool:
                    return any(c.name == "camera0" for c in await client.config_paths_list())

                await until(configured, "camera0 configured in MediaMTX through its guarded API")
            yield g
        finally:
            await mediamtx.stop()
            print(f"--- MediaMTX log (tail) ---\n{mediamtx.log_tail()}")
