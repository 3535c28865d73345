"""``make run``'s launcher (``python3 -m camera_service.devstack``) as a newcomer runs it:
with a MediaMTX binary the service and MediaMTX come up together, the RTSP URL that
``get_stream_url {with_token: true}`` gives plays in ffprobe, an anonymous read is refused,
and SIGINT (Ctrl-C) stops both with status 0 (suite ``mediamtx``). Without a binary: one
line says so and the service runs alone (suite ``integration``)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from pathlib import Path

import pytest
from mediamtx_process import free_ports
from mediamtx_support import T

from camera_service.rpc.auth import Role, mint_token
from web.stack import call, connect

REPO = Path(__file__).resolve().parents[2]
SECRET = "devstack-test-secret-0123456789abcdef"


def config(tmp: Path, api: int, ports: list[int]) -> Path:
    server, rtsp, hls, webrtc = ports
    path = tmp / "dev.yaml"
    path.write_text(
        f"server: {{host: 127.0.0.1, port: {server}, public_host: 127.0.0.1}}\n"
        f"auth: {{jwt_secret: {SECRET}}}\n"
        f"mediamtx: {{api_url: 'http://127.0.0.1:{api}', rtsp_port: {rtsp}, hls_port: {hls}, "
        f"webrtc_port: {webrtc}, health_interval: 0.5, reconcile_interval: 1}}\n"
        "cameras: {udev: false, include: [], "
        "test_pattern: {enabled: true, width: 320, height: 240, fps: 10}}\n"
        f"storage: {{state_dir: {tmp / 'state'}, min_free_mb: 1}}\n"
        "logging: {level: INFO, target: console}\n")
    path.chmod(0o600)  # it holds the JWT secret
    return path


def even_udp_pair() -> int:
    """An even UDP port whose next one is free too (MediaMTX's RTP/RTCP pair)."""
    for _ in range(200):
        port = free_ports(1)[0] & ~1
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as a, \
                    socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as b:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    raise AssertionError("no free even UDP port pair")


async def start(cfg: Path, env: dict[str, str], *extra: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "camera_service.devstack", "--config", str(cfg), *extra,
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO / "src"), **env},
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT)


async def stop(proc: asyncio.subprocess.Process) -> tuple[int, str]:
    proc.send_signal(signal.SIGINT)
    assert proc.stdout is not None
    out = await asyncio.wait_for(proc.stdout.read(), 3 * T)
    return await asyncio.wait_for(proc.wait(), T), out.decode(errors="replace")


async def ffprobe(url: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        "ffprobe", "-v", "error", "-rtsp_transport", "tcp", url,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), 3 * T)
    assert proc.returncode is not None
    return proc.returncode, err.decode(errors="replace")


async def ws_up(server: int, limit: float) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while True:
        try:
            ws = await connect(f"ws://127.0.0.1:{server}/ws")
        except (OSError, TimeoutError):
            assert loop.time() < deadline, "the service did not listen"
            await asyncio.sleep(0.2)
            continue
        await ws.close()
        return


@pytest.mark.mediamtx
async def test_make_run_brings_up_mediamtx_beside_the_service(
    mediamtx_bin: str, tmp_path: Path
) -> None:
    api, server, rtsp, hls, webrtc, ice = free_ports(6)
    rtp = even_udp_pair()
    cfg = config(tmp_path, api, [server, rtsp, hls, webrtc])
    proc = await start(cfg, {"MEDIAMTX_BIN": mediamtx_bin}, "--webrtc-udp-port", str(ice),
                       "--rtp-port", str(rtp))
    try:
        await ws_up(server, 3 * T)
        ws = await connect(f"ws://127.0.0.1:{server}/ws")
        try:
            token = mint_token(SECRET, "newcomer", Role.ADMIN, 600, time.time())
            await call(ws, "authenticate", {"auth_token": token})
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 3 * T
            while (await call(ws, "get_status"))["result"]["components"]["mediamtx"] != "running":
                assert loop.time() < deadline, "MediaMTX not running beside the service"
                await asyncio.sleep(0.3)
            reply = await call(ws, "get_stream_url", {"device": "camera0", "with_token": True})
            url = reply["result"]["stream_url_with_token"]
        finally:
            await ws.close()
        rc, err = await ffprobe(url)
        assert rc == 0, err
        rc, err = await ffprobe(f"rtsp://127.0.0.1:{rtsp}/camera0")
        assert rc != 0 and "401" in err, err
    except BaseException:
        print((await stop(proc))[1][-5000:])
        raise
    code, out = await stop(proc)
    assert code == 0, out[-3000:]
    assert out.startswith(f"devstack: MediaMTX {mediamtx_bin} (from MEDIAMTX_BIN)"), out[:500]
    assert " ERR " not in out and " WAR " not in out, out[-3000:]


@pytest.mark.integration
async def test_without_a_binary_one_line_says_so_and_the_service_runs_alone(
    tmp_path: Path,
) -> None:
    api, server, rtsp, hls, webrtc = free_ports(5)
    cfg = config(tmp_path, api, [server, rtsp, hls, webrtc])
    proc = await start(cfg, {"MEDIAMTX_BIN": str(tmp_path / "no-mediamtx")})
    assert proc.stdout is not None
    first = await asyncio.wait_for(proc.stdout.readline(), T)
    assert first.decode().startswith("devstack: MEDIAMTX_BIN=") and b"running the service alone" in first
    await ws_up(server, 3 * T)
    code, _ = await stop(proc)
    assert code == 0
