"""``camera-ctl`` end to end: the real CLI in a child process against a real running API."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from web.stack import SECRET, TIMEOUT, Stack, api_stack, closed_port, usb_camera

pytestmark = pytest.mark.integration

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with api_stack(tmp_path) as s:
        yield s


async def ctl(
    *args: str, url: str | None = None, token: str | None = None, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    cmd = [sys.executable, "-m", "camera_service.client.cli"]
    if url:
        cmd += ["--url", url]
    if token:
        cmd += ["--token", token]
    environ = {k: v for k, v in os.environ.items() if k != "CAMERA_SERVICE_TOKEN"}
    environ.update({"PYTHONPATH": str(SRC), **(env or {})})
    proc = await asyncio.create_subprocess_exec(
        *cmd, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=environ
    )
    out, err = await asyncio.wait_for(proc.communicate(), TIMEOUT * 4)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_list_prints_a_table_and_json(stack: Stack) -> None:
    stack.registry.upsert(usb_camera(0))
    code, out, err = await ctl("list", url=stack.url, token=stack.token("viewer"))
    assert code == 0, err
    assert out.splitlines()[0].split() == ["DEVICE", "STATUS", "NAME", "RESOLUTION", "FPS", "RTSP"]
    assert "camera0" in out and "CONNECTED" in out and "1 camera(s), 1 connected" in out
    code, out, _ = await ctl("--json", "list", url=stack.url, token=stack.token("viewer"))
    assert code == 0 and json.loads(out)["cameras"][0]["device"] == "camera0"


async def test_token_from_environment(stack: Stack) -> None:
    code, out, err = await ctl(
        "--json", "info", url=stack.url, env={"CAMERA_SERVICE_TOKEN": stack.token("viewer")}
    )
    assert code == 0, err
    assert json.loads(out)["components"]["api"]["healthy"] is True


async def test_rpc_errors_exit_1_with_the_message(stack: Stack) -> None:
    code, out, err = await ctl("status", "camera9", url=stack.url, token=stack.token("viewer"))
    assert code == 1 and out == ""
    assert "Camera not found (-32010)" in err
    code, _, err = await ctl("list", url=stack.url)
    assert code == 1 and "-32001" in err
    code, _, err = await ctl("record", "stop", "camera0", url=stack.url, token=stack.token("viewer"))
    assert code == 1 and "-32002" in err


async def test_unreachable_server_exits_1() -> None:
    code, _, err = await ctl("list", url=f"ws://127.0.0.1:{closed_port()}/ws", token="x")
    assert code == 1 and "cannot connect" in err


async def test_usage_errors_exit_2() -> None:
    assert (await ctl("record", "pause", "camera0"))[0] == 2
    assert (await ctl())[0] == 2
    assert (await ctl("token"))[0] == 2  # --role is required


async def test_files_lists_both_kinds(stack: Stack) -> None:
    (stack.config.storage.snapshots_dir / "camera0_1.jpg").write_bytes(b"\xff\xd8" + b"0" * 2048)
    code, out, err = await ctl("files", url=stack.url, token=stack.token("viewer"))
    assert code == 0, err
    assert "recordings:" in out and "snapshots:" in out and "camera0_1.jpg" in out and "2.0 KiB" in out
    code, out, _ = await ctl(
        "--json", "files", "--kind", "snapshots", url=stack.url, token=stack.token("viewer")
    )
    url = json.loads(out)["files"][0]["download_url"]
    assert url.startswith(f"http://localhost:{stack.server.port}/files/snapshots/camera0_1.jpg?expires=")


async def test_token_is_minted_from_the_service_config(stack: Stack, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(f"auth: {{jwt_secret: {SECRET}}}\nstorage: {{state_dir: {tmp_path / 'state'}}}\n")
    code, out, err = await ctl("token", "--role", "operator", "--expires", "120", "--config", str(config))
    assert code == 0, err
    token = out.strip()
    principal = stack.ctx.authenticator.authenticate(token)
    assert principal.role.label == "operator"
    assert principal.expires_at is not None and principal.issued_at is not None
    assert principal.expires_at - principal.issued_at == 120
    code, _, err = await ctl("token", "--role", "admin", "--config", str(tmp_path / "missing.yaml"))
    assert code == 1 and "cannot read" in err


async def test_watch_prints_notifications(stack: Stack) -> None:
    environ = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "camera_service.client.cli",
        "--url",
        stack.url,
        "--token",
        stack.token("viewer"),
        "watch",
        "--count",
        "1",
        "--topic",
        "camera.connected",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=environ,
    )
    assert proc.stderr is not None and proc.stdout is not None
    line = await asyncio.wait_for(proc.stderr.readline(), TIMEOUT * 4)
    assert line.startswith(b"watching")  # subscribed: now the event can come
    stack.registry.upsert(usb_camera(3))
    out = await asyncio.wait_for(proc.stdout.read(), TIMEOUT * 4)
    assert await asyncio.wait_for(proc.wait(), TIMEOUT) == 0
    assert out.decode().strip() == (
        "camera_status_update device=camera3 status=CONNECTED name=USB camera 3 resolution=1280x720"
    )
