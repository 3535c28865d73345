"""Optional TLS: with ``tls_cert``/``tls_key`` the same port speaks wss:// and https://."""

from __future__ import annotations

import asyncio
import json
import shutil
import ssl
from pathlib import Path

import aiohttp
import pytest
import websockets

from .stack import TIMEOUT, api_stack

pytestmark = pytest.mark.integration


async def self_signed(tmp: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("no openssl binary: apt-get install openssl")
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    proc = await asyncio.create_subprocess_exec(
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        str(key),
        "-out",
        str(cert),
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), TIMEOUT * 4)
    assert proc.returncode == 0, err
    return cert, key


async def test_wss_and_https_with_configured_certificate(tmp_path: Path) -> None:
    cert, key = await self_signed(tmp_path)
    trust = ssl.create_default_context(cafile=str(cert))
    async with api_stack(tmp_path / "state", tls_cert=cert, tls_key=key) as stack:
        port = stack.server.port
        # websockets exports connect lazily, which mypy cannot see
        ws = await websockets.connect(  # type: ignore[attr-defined]
            f"wss://127.0.0.1:{port}/ws", ssl=trust, open_timeout=TIMEOUT
        )
        await ws.send('{"jsonrpc":"2.0","method":"ping","id":1}')
        assert json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))["result"] == "pong"
        await ws.close()
        async with aiohttp.ClientSession() as http:
            async with http.get(f"https://127.0.0.1:{port}/health", ssl=trust) as r:
                assert r.status == 200
            with pytest.raises(aiohttp.ClientError):
                async with http.get(f"http://127.0.0.1:{port}/health") as r:
                    await r.read()
