"""The real daemon (``support.daemon.Daemon``) beside a real MediaMTX (``MediaMTXProcess``,
no stream auth), for black-box tests outside the ``mediamtx`` folder that need the stream
methods to act: ``daemon_with_mediamtx(tmp)`` skips the test where no MediaMTX binary is
found, and yields once an admin ``Client`` sees ``components.mediamtx == "running"``.
Teardown is the reverse: the client, the daemon, MediaMTX."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from mediamtx.mediamtx_process import MediaMTXProcess, find_mediamtx

from .daemon import TIMEOUT, Client, Daemon


@asynccontextmanager
async def daemon_with_mediamtx(tmp: Path) -> AsyncIterator[tuple[Daemon, Client]]:
    """``(daemon, client)``: the client authenticated as admin; MediaMTX's files under
    ``tmp/mtx``, the daemon's under ``tmp/daemon``."""
    binary, why = find_mediamtx()
    if binary is None:
        pytest.skip(why)
    (tmp / "mtx").mkdir()
    (tmp / "daemon").mkdir()
    mtx = MediaMTXProcess(binary, tmp / "mtx")
    await mtx.start()
    try:
        ports = f"api_url: '{mtx.api_url}', rtsp_port: {mtx.rtsp_port}, hls_port: {mtx.hls_port}"
        daemon = await asyncio.to_thread(Daemon, tmp / "daemon", "", ports)
        try:
            client = await Client.connect(daemon.url)
            try:  # wait (bounded) until the daemon has MediaMTX
                await client.result("authenticate", {"auth_token": daemon.token("admin")})
                loop = asyncio.get_running_loop()
                deadline = loop.time() + TIMEOUT
                while (await client.result("get_status"))["components"]["mediamtx"] != "running":
                    assert loop.time() < deadline, "MediaMTX not connected"
                    await asyncio.sleep(0.2)
                yield daemon, client
            finally:
                await client.close()
        finally:
            await asyncio.to_thread(daemon.stop)
    finally:
        await mtx.stop()
