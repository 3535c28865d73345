"""Fixtures for the MediaMTX tests: real servers that are NOT MediaMTX (to see how the client
wraps real failures), and a real MediaMTX process when a binary exists (``mediamtx.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from mediamtx_process import MediaMTXProcess, find_mediamtx
from mediamtx_support import SilentServer, StaticHttpServer, T

from support.fixtures import rtsp_server  # noqa: F401 - re-exported fixture


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
async def static_http_server(tmp_path: Path) -> AsyncIterator[StaticHttpServer]:
    root = tmp_path / "www"
    root.mkdir()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1",
        "--directory", str(root),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), T)
        m = re.search(rb"port (\d+)", line)
        assert m, f"http.server did not start: {line!r}"
        yield StaticHttpServer(f"http://127.0.0.1:{int(m.group(1))}", root)
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), T)
            except TimeoutError:
                proc.kill()
                await asyncio.wait_for(proc.wait(), T)


@pytest.fixture
async def silent_server() -> AsyncIterator[SilentServer]:
    received: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        data = b""
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            head = await reader.readuntil(b"\r\n\r\n")
            m = re.search(rb"(?i)content-length:\s*(\d+)", head)
            body = await reader.readexactly(int(m.group(1))) if m else b""
            data = head + body
            received.append(data)
            await reader.read()  # until the client gives up and closes
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield SilentServer(f"http://127.0.0.1:{port}", received)
    finally:
        server.close()
        await asyncio.wait_for(server.wait_closed(), T)


@pytest.fixture
def mediamtx_bin() -> str:
    binary, why = find_mediamtx()
    if binary is None:
        pytest.skip(why)
    return binary


@pytest.fixture
async def mediamtx(mediamtx_bin: str, tmp_path: Path) -> AsyncIterator[MediaMTXProcess]:
    """A real MediaMTX on free loopback ports; its log is printed if the test fails."""
    proc = MediaMTXProcess(mediamtx_bin, tmp_path, ready_timeout=T)
    await proc.start()
    try:
        yield proc
    finally:
        await proc.stop()
        print(f"--- MediaMTX log (tail) ---\n{proc.log_tail()}")
