"""What the server tells strangers, on a real server: no library versions in ``Server``,
and a malformed request costs one WARNING line, not an ERROR with a traceback."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiohttp
import pytest

from .stack import TIMEOUT, Stack, api_stack, connect

pytestmark = pytest.mark.integration


async def _raw_request(port: int, data: bytes) -> bytes:
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), TIMEOUT)
    writer.write(data)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(4096), TIMEOUT)
    writer.close()
    return answer


async def test_server_header_names_no_versions(stack: Stack) -> None:
    async with aiohttp.ClientSession() as http:
        for path in ("/", "/health", "/metrics", "/files/snapshots/x.jpg", "/nowhere"):
            async with http.get(stack.http + path) as r:
                assert r.headers["Server"] == "camera-service", path
    ws = await connect(stack.url)
    assert ws.response_headers["Server"] == "camera-service"
    await ws.close()
    answer = await _raw_request(stack.server.port, b"BREW / HTCPCP/1.0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.") and b" 400 " in answer.split(b"\r\n")[0]
    assert b"aiohttp" not in answer and b"Python" not in answer


async def test_over_long_request_line_is_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with api_stack(tmp_path) as stack:
        caplog.clear()
        with caplog.at_level(logging.DEBUG, logger="aiohttp"):
            answer = await _raw_request(stack.server.port, b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n\r\n")
            assert b" 400 " in answer.split(b"\r\n")[0]
            assert b"Traceback" not in answer
        records = [r for r in caplog.records if r.name.startswith("aiohttp")]
        assert [(r.levelname, r.exc_info) for r in records] == [("WARNING", None)], records
        message = records[0].getMessage()
        assert message.startswith("refused a malformed HTTP request:") and "\n" not in message
