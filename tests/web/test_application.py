"""The API inside the whole service (``app.Application``): answers are the real state of this
machine's components: no cameras, MediaMTX unreachable; a reload brings in new API keys; a
retention policy set over the API is still in force after a restart."""

from __future__ import annotations

import asyncio
import dataclasses
import glob
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from camera_service.app import Application
from camera_service.config import load_config
from camera_service.rpc.auth import Role, key_file_entry

from .stack import SECRET, call, closed_port, connect

pytestmark = pytest.mark.integration


def config_file(tmp_path: Path, role: Role, key: str) -> Path:
    keys = tmp_path / "keys.yaml"
    keys.write_text("keys:\n" + key_file_entry("dash", role, key))
    config = tmp_path / "config.yaml"
    config.write_text(
        "server: {host: 127.0.0.1, port: 0}\n"
        f"auth: {{jwt_secret: {SECRET}, api_key_file: {keys}}}\n"
        f"mediamtx: {{api_url: 'http://127.0.0.1:{closed_port()}', request_timeout: 1}}\n"
        "cameras: {udev: false, test_pattern: false}\n"
        f"storage: {{state_dir: {tmp_path / 'state'}, min_free_mb: 1}}\n"
    )
    return config


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[Application]:
    async with Application(load_config(config_file(tmp_path, Role.VIEWER, "first-key"))) as application:
        yield application


async def test_real_state_without_cameras_or_mediamtx(app: Application) -> None:
    ws = await connect(f"ws://127.0.0.1:{app.port}/ws")
    assert (await call(ws, "authenticate", {"auth_token": "first-key"}))["result"]["role"] == "viewer"
    assert (await call(ws, "get_camera_list"))["result"] == {"cameras": [], "total": 0, "connected": 0}
    reply = await call(ws, "get_stream_status", {"device": "camera0"})
    assert reply["error"]["code"] == -32010 and reply["error"]["data"] == {
        "resource": "camera",
        "id": "camera0",
    }
    reply = await call(ws, "get_streams")
    assert reply["error"]["code"] == -32050 and reply["error"]["data"]["dependency"] == "mediamtx"
    assert (await call(ws, "list_recordings"))["result"]["files"] == []
    info = (await call(ws, "get_server_info"))["result"]
    deadline = asyncio.get_running_loop().time() + 10
    while info["components"]["mediamtx"].startswith("starting"):  # its first check runs once we listen
        assert asyncio.get_running_loop().time() < deadline, info
        await asyncio.sleep(0.05)
        info = (await call(ws, "get_server_info"))["result"]
    assert info["components"]["websocket_server"] == "running"
    assert info["component_health"]["api"]["healthy"] is True
    assert info["status"] == "DEGRADED" and info["components"]["mediamtx"].startswith("unreachable")
    assert info["video_encoder"]["encoder"] and info["video_encoder"]["reason"]
    if not glob.glob("/dev/video*") and not glob.glob("/dev/dri/renderD*"):
        assert info["video_encoder"]["encoder"] == "libx264", info  # software, and says why
        assert "no hardware H.264 encoder" in info["video_encoder"]["reason"]
    await ws.close()
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{app.port}/health") as r:
        body = json.loads(await r.text())
    assert r.status == 200 and body["components"]["mediamtx"]["healthy"] is False
    assert body["video_encoder"] == info["video_encoder"]


async def test_reload_replaces_api_keys(app: Application) -> None:
    keys = app.config.auth.api_key_file
    assert keys is not None
    keys.write_text("keys:\n" + key_file_entry("ops", Role.ADMIN, "second-key"))
    ws = await connect(f"ws://127.0.0.1:{app.port}/ws")
    assert (await call(ws, "authenticate", {"auth_token": "first-key"}))["result"]["authenticated"]
    await app.reload(dataclasses.replace(app.config))
    reply = await call(ws, "get_camera_list")
    assert reply["error"]["code"] == -32001 and reply["error"]["data"]["reason"] == "API key revoked"
    assert (await call(ws, "authenticate", {"auth_token": "second-key"}))["result"]["role"] == "admin"
    await ws.close()


async def test_a_retention_policy_set_over_the_api_survives_a_restart(tmp_path: Path) -> None:
    config = load_config(config_file(tmp_path, Role.ADMIN, "admin-key"))
    assert config.storage.retention.enabled is False
    async with Application(config) as first:
        ws = await connect(f"ws://127.0.0.1:{first.port}/ws")
        assert (await call(ws, "authenticate", {"auth_token": "admin-key"}))["result"]["role"] == "admin"
        reply = await call(ws, "cleanup_old_files")
        assert reply["result"]["cleanup_executed"] is False
        assert reply["result"]["reason"] == "retention policy disabled"
        policy = {"policy_type": "age", "max_age_days": 2.0, "enabled": True}
        assert (await call(ws, "set_retention_policy", policy))["result"]["max_age_days"] == 2.0
        await ws.close()
    async with Application(config) as second:  # the same configuration file: still disabled
        assert second.storage.retention_policy().enabled
        assert second.storage.retention_policy().max_age_days == 2.0
        ws = await connect(f"ws://127.0.0.1:{second.port}/ws")
        await call(ws, "authenticate", {"auth_token": "admin-key"})
        reply = await call(ws, "cleanup_old_files")
        assert reply["result"] == {"cleanup_executed": True, "files_deleted": 0, "space_freed": 0,
                                   "success": True}
        await ws.close()
