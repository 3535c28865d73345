"""Stream auth inside the whole service (``app.Application``): the credentials it makes at
start are the ones its endpoint accepts and its readers use; ``stream_auth: none`` puts none
in any URL and lets nothing publish."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest

from camera_service.app import Application
from camera_service.config import load_config
from camera_service.models import Camera, CameraKind, CameraMode, CameraStatus
from camera_service.web.stream_auth import payload
from camera_service.web.stream_auth_route import PATH

from .stack import SECRET, closed_port

pytestmark = pytest.mark.integration

CAMERA = Camera(id="camera0", kind=CameraKind.USB, name="usb", status=CameraStatus.CONNECTED,
                mode=CameraMode("MJPG", 640, 480, 30), device_node="/dev/video0")


def config(tmp_path: Path, mediamtx: str = "") -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        "server: {host: 127.0.0.1, port: 0}\n"
        f"auth: {{jwt_secret: {SECRET}}}\n"
        f"mediamtx: {{api_url: 'http://127.0.0.1:{closed_port()}', request_timeout: 1{mediamtx}}}\n"
        "cameras: {udev: false, include: [], test_pattern: false}\n"
        f"storage: {{state_dir: {tmp_path / 'state'}, min_free_mb: 1}}\n")
    return path


async def ask(app: Application, body: dict[str, object]) -> int:
    async with aiohttp.ClientSession() as http, http.post(
            f"http://127.0.0.1:{app.port}{PATH}", data=json.dumps(body)) as r:
        return r.status


async def test_the_credentials_made_at_start_are_the_ones_accepted(tmp_path: Path) -> None:
    async with Application(load_config(config(tmp_path, ", api_user: ops, api_password: pw-0123"))) as app:
        app.registry.upsert(CAMERA)
        internal = app.api.ctx.internal
        assert internal is not None and internal.publisher and internal.reader
        assert internal.api is not None and (internal.api.user, internal.api.password) == ("ops", "pw-0123")
        reader = urlsplit(app.streams.reader_url(CAMERA))
        assert (reader.username, reader.password) == (internal.reader.user, internal.reader.password)
        ok = {"path": "camera0", "ip": "127.0.0.1", "protocol": "rtsp"}
        read = payload(action="read", user=reader.username, password=reader.password, **ok)
        assert await ask(app, read) == 200
        once = internal.publisher.issue("camera0", app.clock.time())
        assert await ask(app, payload(action="publish", user=once.user, password=once.password,
                                      id="session-1", **ok)) == 200
        assert await ask(app, payload(action="publish", user=once.user, password=once.password,
                                      id="session-2", **ok)) == 401
        assert await ask(app, payload(action="api", user="ops", password="pw-0123")) == 200
        assert await ask(app, payload(action="read", **ok)) == 401


async def test_without_an_api_credential_one_is_made_for_the_run(tmp_path: Path) -> None:
    async with Application(load_config(config(tmp_path))) as app:
        internal = app.api.ctx.internal
        assert internal is not None and internal.api is not None and internal.api.password
        assert await ask(app, payload(action="api", user=internal.api.user,
                                      password=internal.api.password)) == 200


async def test_stream_auth_none_puts_no_credential_anywhere(tmp_path: Path) -> None:
    async with Application(load_config(config(tmp_path, ", stream_auth: none"))) as app:
        app.registry.upsert(CAMERA)
        assert app.streams.reader_url(CAMERA) == f"rtsp://127.0.0.1:{app.config.mediamtx.rtsp_port}/camera0"
        assert await ask(app, payload(action="publish", path="camera0", ip="127.0.0.1",
                                      user="any", password="x")) == 401
