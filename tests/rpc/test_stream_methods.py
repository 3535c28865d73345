"""The stream methods over a real WebSocket of the whole daemon (``app.Application``) on a
machine without MediaMTX (its API on a closed port) and with the test-pattern camera:
which answer with a result (validated against compat.json's schemas) and which with a
clear error. (With a real MediaMTX: ``tests/mediamtx/test_streaming_live.py``.)"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from camera_service.app import Application
from camera_service.config import load_config
from camera_service.rpc.auth import Role
from support.compat_results import validate_result
from web.stack import SECRET, TIMEOUT, call, closed_port, connect

pytestmark = pytest.mark.integration


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Application]:
    config = tmp_path / "config.yaml"
    config.write_text(
        "server: {host: 127.0.0.1, port: 0, public_host: cams.example}\n"
        f"auth: {{jwt_secret: {SECRET}}}\n"
        f"mediamtx: {{api_url: 'http://127.0.0.1:{closed_port()}', request_timeout: 1}}\n"
        "cameras: {udev: false, test_pattern: true}\n"
        f"storage: {{state_dir: {tmp_path / 'state'}, min_free_mb: 1}}\n"
    )
    async with Application(load_config(config)) as application:
        yield application


async def operator(app: Application) -> Any:
    ws = await connect(f"ws://127.0.0.1:{app.port}/ws")
    token = app.api.ctx.authenticator.mint("op", Role.OPERATOR, 300)
    assert (await call(ws, "authenticate", {"auth_token": token}))["result"]["authenticated"]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while not (await call(ws, "get_camera_list"))["result"]["cameras"]:
        assert loop.time() < deadline, "the test-pattern camera did not appear"
        await asyncio.sleep(0.05)
    return ws


async def test_stream_url_answers_without_mediamtx_and_says_the_stream_cannot_be_served(
    app: Application,
) -> None:
    ws = await operator(app)
    result = (await call(ws, "get_stream_url", {"device": "camera0"}))["result"]
    validate_result("get_stream_url", result)
    assert result["stream_url"] == "rtsp://cams.example:8554/camera0"
    assert (result["available"], result["active_consumers"], result["stream_status"]) == (
        False, 0, "ERROR")
    await ws.close()


@pytest.mark.parametrize("method", ["start_streaming", "get_stream_status"])
async def test_methods_that_need_mediamtx_are_dependency_errors(
    app: Application, method: str
) -> None:
    ws = await operator(app)
    error = (await call(ws, method, {"device": "camera0"}))["error"]
    assert error["code"] == -32050 and error["data"]["dependency"] == "mediamtx"
    assert error["data"]["detail"]
    await ws.close()


async def test_get_streams_needs_mediamtx(app: Application) -> None:
    ws = await operator(app)
    error = (await call(ws, "get_streams"))["error"]
    assert error["code"] == -32050 and error["data"]["dependency"] == "mediamtx"
    await ws.close()


async def test_stop_streaming_of_a_stream_not_kept_is_an_invalid_state(app: Application) -> None:
    ws = await operator(app)
    error = (await call(ws, "stop_streaming", {"device": "camera0"}))["error"]
    assert error["code"] == -32020 and error["data"] == {"state": "not_streaming"}
    assert "start_streaming" in error["message"]
    await ws.close()


@pytest.mark.parametrize("method", ["start_streaming", "stop_streaming", "get_stream_status",
                                    "get_stream_url"])
async def test_unknown_camera_and_missing_device(app: Application, method: str) -> None:
    ws = await operator(app)
    error = (await call(ws, method, {"device": "camera9"}))["error"]
    assert error["code"] == -32010 and error["data"] == {"resource": "camera", "id": "camera9"}
    error = (await call(ws, method, {}))["error"]
    assert error["code"] == -32602 and error["data"]["param"] == "device"
    await ws.close()
