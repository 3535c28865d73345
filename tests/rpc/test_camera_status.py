"""``get_camera_status`` over a real WebSocket of the whole daemon (``app.Application``) with
the test-pattern camera and no MediaMTX: its extra ``recording`` field shows the recording in
progress (so a client that opens the camera later sees it) and ``null`` when there is none,
and the result still validates against compat.json's ``Camera`` schema. (Readers without the
keepalive pull, with a real MediaMTX: ``tests/mediamtx/test_streaming_live.py``.)"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from camera_service.app import Application
from camera_service.config import load_config
from camera_service.rpc.auth import Role
from camera_service.rpc.schemas import METHODS, inline_refs
from web.stack import SECRET, TIMEOUT, closed_port, connect

pytestmark = pytest.mark.integration


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Application]:
    config = tmp_path / "config.yaml"
    config.write_text(
        "server: {host: 127.0.0.1, port: 0, public_host: 127.0.0.1}\n"
        f"auth: {{jwt_secret: {SECRET}}}\n"
        f"mediamtx: {{api_url: 'http://127.0.0.1:{closed_port()}', request_timeout: 1}}\n"
        "cameras: {udev: false, test_pattern: {enabled: true, width: 320, height: 240, fps: 10}}\n"
        f"storage: {{state_dir: {tmp_path / 'state'}, min_free_mb: 1}}\n"
    )
    async with Application(load_config(config)) as application:
        yield application


IDS = itertools.count(1)


async def call(ws: Any, method: str, params: Any = None) -> Any:
    """The reply to one request, past the notifications the session also gets."""
    id_ = next(IDS)
    await ws.send(json.dumps({"jsonrpc": "2.0", "method": method, "id": id_, "params": params or {}}))
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        if message.get("id") == id_:
            return message


async def operator(app: Application) -> Any:
    ws = await connect(f"ws://127.0.0.1:{app.port}/ws")
    token = app.api.ctx.authenticator.mint("op", Role.OPERATOR, 300)
    assert (await call(ws, "authenticate", {"auth_token": token}))["result"]["authenticated"]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while True:
        cams = (await call(ws, "get_camera_list"))["result"]["cameras"]
        if any(c["device"] == "camera0" and c["status"] == "CONNECTED" for c in cams):
            return ws
        assert loop.time() < deadline, "the test-pattern camera did not connect"
        await asyncio.sleep(0.05)


async def status(ws: Any) -> Any:
    reply = await call(ws, "get_camera_status", {"device": "camera0"})
    assert "result" in reply, reply
    jsonschema.validate(reply["result"], inline_refs(METHODS["get_camera_status"]["result"]))
    return reply["result"]


async def test_camera_status_shows_the_recording_in_progress_and_null_after_it(
    app: Application,
) -> None:
    ws = await operator(app)
    try:
        first = await status(ws)
        assert first["recording"] is None
        # no MediaMTX here: whether it has the camera's path cannot be told, and no stream
        assert first["stream"] == {"path": "camera0", "in_mediamtx": None, "ready": False}
        started = (await call(ws, "start_recording", {"device": "camera0", "format": "mp4"}))["result"]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + TIMEOUT
        while True:  # a second of recording, on a loaded machine
            rec = (await status(ws))["recording"]
            if rec["duration"] >= 1:
                break
            assert loop.time() < deadline, rec
            await asyncio.sleep(0.1)
        assert (rec["filename"], rec["start_time"], rec["format"]) == (
            started["filename"], started["start_time"], "mp4")
        assert isinstance(rec["duration"], int)
        assert dt.datetime.fromisoformat(rec["start_time"].replace("Z", "+00:00")).tzinfo is not None
        await call(ws, "stop_recording", {"device": "camera0"})
        assert (await status(ws))["recording"] is None
    finally:
        await ws.close()
