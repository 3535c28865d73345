"""The stream methods of compat.json with a real MediaMTX publishing the test-pattern camera:
each must answer a result (no error) that validates against its result schema. Skipped, with
how to run it, where no MediaMTX binary exists."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import jsonschema
import pytest

from camera_service.rpc.methods import ACTS
from camera_service.rpc.schemas import METHODS, inline_refs
from mediamtx.mediamtx_process import MediaMTXProcess, find_mediamtx
from support.daemon import TIMEOUT, Client, Daemon

pytestmark = pytest.mark.mediamtx

STREAM_CALLS = (
    ("start_streaming", {"device": "camera0"}),
    ("get_stream_url", {"device": "camera0"}),
    ("get_stream_status", {"device": "camera0"}),
    ("get_streams", None),
    ("stop_streaming", {"device": "camera0"}),
)


async def test_stream_methods_answer_compat_results_with_mediamtx(tmp_path: Path) -> None:
    binary, why = find_mediamtx()
    if binary is None:
        pytest.skip(why)
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg missing: apt-get install ffmpeg")
    (tmp_path / "mtx").mkdir()
    (tmp_path / "daemon").mkdir()
    mtx = MediaMTXProcess(binary, tmp_path / "mtx")
    await mtx.start()
    try:
        ports = f"api_url: '{mtx.api_url}', rtsp_port: {mtx.rtsp_port}, hls_port: {mtx.hls_port}"
        daemon = await asyncio.to_thread(Daemon, tmp_path / "daemon", "", ports)
        try:
            client = await Client.connect(daemon.url)
            try:
                await client.result("authenticate", {"auth_token": daemon.token("admin")})
                loop = asyncio.get_running_loop()
                deadline = loop.time() + TIMEOUT
                while (await client.result("get_status"))["components"]["mediamtx"] != "running":
                    assert loop.time() < deadline, "MediaMTX not connected"
                    await asyncio.sleep(0.2)
                for method, params in STREAM_CALLS:
                    result = await client.result(method, params)
                    jsonschema.validate(result, inline_refs(METHODS[method]["result"]))
                    acted = isinstance(result, dict) and result.get("success") is True
                    assert acted == (method in ACTS), (method, result)
            finally:
                await client.close()
        finally:
            await asyncio.to_thread(daemon.stop)
    finally:
        await mtx.stop()
