"""The installed host, checked from outside: package, user, folders, config, service, API,
journal. Run with ``--hosts=...`` (see conftest.py)."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from typing import Any

import pytest

from .conftest import CONFIG, UNIT, journal_entries

pytestmark = pytest.mark.system

TIMEOUT = 10.0  # one bound for every network call of this suite


def _connect(url: str) -> Any:
    """websockets' client: the asyncio one (13+), else the legacy one (Debian 12's 10.4)."""
    try:
        from websockets.asyncio.client import connect
    except ImportError:
        from websockets.legacy.client import connect
    return connect(url, open_timeout=TIMEOUT, close_timeout=TIMEOUT)


def test_package_is_installed(host: Any) -> None:
    assert host.package("camera-service").is_installed


def test_service_user_is_a_system_user_in_group_video(host: Any) -> None:
    user = host.user("camera-service")
    assert user.exists
    assert user.uid < 1000
    assert "video" in user.groups
    assert "render" in user.groups  # the VA-API encoder probe (/dev/dri/renderD*)
    assert user.shell in ("/usr/sbin/nologin", "/sbin/nologin", "/bin/false")


@pytest.mark.parametrize("path", [
    "/var/lib/camera-service",
    "/var/lib/camera-service/snapshots",
    "/var/lib/camera-service/recordings",
])
def test_state_folders_belong_to_the_service_and_are_closed_to_others(host: Any, path: str) -> None:
    folder = host.file(path)
    assert folder.is_directory
    assert (folder.user, folder.group) == ("camera-service", "camera-service")
    assert folder.mode & 0o007 == 0, oct(folder.mode)


def test_secret_is_readable_by_the_service_group_only(host: Any) -> None:
    secret = host.file("/etc/camera-service/jwt-secret")
    assert secret.is_file
    assert (secret.user, secret.group, secret.mode) == ("root", "camera-service", 0o640)
    assert host.file(CONFIG).is_file


def test_config_is_valid_and_secrets_are_masked(host: Any) -> None:
    out = host.run(f"camera-service --check-config --config {CONFIG}")
    assert out.rc == 0, out.stderr
    secret = host.file("/etc/camera-service/jwt-secret").content_string.strip()
    assert secret and secret not in out.stdout


def test_service_is_enabled_and_active(host: Any) -> None:
    service = host.service(UNIT)
    assert service.is_enabled
    assert service.is_running


def test_service_has_not_restarted(host: Any) -> None:
    out = host.run(f"systemctl show -p NRestarts --value {UNIT}")
    assert out.stdout.strip() == "0"


def test_api_port_is_listening(host: Any, effective_config: dict[str, Any], api_port: int) -> None:
    address = effective_config["server"]["host"]
    address = f"[{address}]" if ":" in address else address
    assert host.socket(f"tcp://{address}:{api_port}").is_listening


def test_health_answers_over_the_network(api_address: str, api_port: int) -> None:
    url = f"http://{api_address}:{api_port}/health"
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        assert response.status == 200
        body = json.load(response)
    assert body["status"] in ("ok", "degraded"), body
    assert "components" in body


def test_metrics_include_process_metrics_inside_the_sandbox(api_address: str, api_port: int) -> None:
    url = f"http://{api_address}:{api_port}/metrics"
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        assert response.status == 200
        text = response.read().decode()
    # the process collector reads /proc/self/stat and /proc/stat: the unit must allow both
    assert "\nprocess_start_time_seconds " in text


async def _rpc(ws: Any, method: str, params: dict[str, Any] | None = None, id_: int = 1) -> Any:
    request: dict[str, Any] = {"jsonrpc": "2.0", "id": id_, "method": method}
    if params is not None:
        request["params"] = params
    await ws.send(json.dumps(request))
    while True:  # notifications may come in between; the reply carries our id
        message = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        if message.get("id") == id_:
            assert "error" not in message, message
            return message["result"]


async def _session(url: str, token: str) -> tuple[Any, Any]:
    async with _connect(url) as ws:
        pong = await _rpc(ws, "ping", id_=1)
        auth = await _rpc(ws, "authenticate", {"auth_token": token}, id_=2)
        assert auth["authenticated"] is True and auth["role"] == "viewer", auth
        cameras = await _rpc(ws, "get_camera_list", id_=3)
        return pong, cameras


def test_websocket_ping_and_camera_list_over_the_network(
    api_address: str, api_port: int, viewer_token: str
) -> None:
    pong, cameras = asyncio.run(_session(f"ws://{api_address}:{api_port}/ws", viewer_token))
    assert pong == "pong"
    assert isinstance(cameras["cameras"], list)
    assert cameras["total"] == len(cameras["cameras"])


def test_journal_has_entries_with_structured_fields(host: Any) -> None:
    entries = journal_entries(host)
    ours = [e for e in entries if e.get("SYSLOG_IDENTIFIER") == "camera-service"
            or (e.get("_SYSTEMD_UNIT") == UNIT and "COMPONENT" in e)]
    assert ours, "no journal entries of camera-service"
    fields = {k for e in ours for k in e if k in ("COMPONENT", "CAMERA_ID", "RPC_METHOD", "CLIENT")}
    assert "COMPONENT" in fields, f"no structured fields among {len(ours)} entries"


async def _snapshots(url: str, token: str) -> list[dict[str, Any]]:
    async with _connect(url) as ws:
        await _rpc(ws, "authenticate", {"auth_token": token}, id_=1)
        listing = await _rpc(ws, "get_camera_list", id_=2)
        results = []
        for n, camera in enumerate(c for c in listing["cameras"] if c.get("status") == "CONNECTED"):
            results.append(await _rpc(ws, "take_snapshot", {"device": camera["device"]}, id_=10 + n))
        return results


def test_one_snapshot_per_camera_where_mediamtx_and_cameras_exist(
    host: Any, api_address: str, api_port: int, operator_token: str
) -> None:
    if not host.service("mediamtx.service").is_running:
        pytest.skip("no MediaMTX running on the host: apply the mediamtx role (site.yml) first")
    results = asyncio.run(_snapshots(f"ws://{api_address}:{api_port}/ws", operator_token))
    if not results:
        pytest.skip("no connected camera on the host: plug in a USB camera or configure one")
    assert [r["status"] for r in results] == ["SUCCESS"] * len(results), results
    for r in results:
        assert host.file(r["file_path"]).size > 0
