"""API benchmark -> bench/results/api.json.

Measured on loopback, all honest numbers whether or not they meet the targets:

- ``ping_rtt_ms``: round trip of ``ping`` for one client (websockets library), sequential,
  against the real daemon (``python -m camera_service``).
- ``throughput``: requests per second with 50 concurrent clients against the real daemon,
  each keeping a window of requests in flight (``ping``). The daemon's per-connection rate
  limit is raised for this run (it would otherwise cap each client at 200/s by design).
- ``notification_latency_ms``: from ``EventBus.publish`` to arrival at each of 500 clients.
  A helper process (this file with ``--fanout-server``) runs the real ``ApiServer`` and bus
  (real registry and storage; MediaMTX absent) and publishes on command; the notification
  carries ``time.time()`` at publish, and each client stamps ``time.time()`` when its socket
  data arrives (minimal asyncio Protocol clients, so the measuring side adds little).
  CLOCK_REALTIME is shared by both processes.
- ``idle_rss_mb``: VmRSS of the real daemon, idle, no cameras, a few seconds after READY.

Client and server share the machine's CPUs, so throughput and latency include the load the
clients put on it; on a shared or throttled machine the throughput is bounded by the CPU the
two processes get, so ``server_cpu_us_per_request`` (server CPU time per request, from
/proc) and the single-core capacity it implies are reported too. ``cpu_available`` is the
share of one core a busy loop got during the run (1.0 on an idle machine).

Run: ``PYTHONPATH=src /usr/bin/python3 bench/bench_api.py`` (or ``make bench``).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import platform
import signal
import socket
import struct
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

import aiohttp  # noqa: E402
import jwt  # noqa: E402
import websockets  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "api.json"
SECRET = "bench-api-secret-0123456789abcdef-0123"
TIMEOUT = 30.0  # the one patience unit: any single wait
PINGS = 5000
THROUGHPUT_CLIENTS = 50
WINDOW = 8
THROUGHPUT_SECONDS = 5.0
FANOUT_CLIENTS = 500
FANOUT_ROUNDS = 40
TARGETS = {"ping_p99_ms": 2.0, "requests_per_second": 10000, "notification_p99_ms": 50.0, "idle_rss_mb": 40.0}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary_ms(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "samples": len(ms),
        "p50": round(percentile(ms, 50), 3),
        "p99": round(percentile(ms, 99), 3),
        "max": round(max(ms), 3),
    }


def token(role: str = "admin") -> str:
    now = int(time.time())
    return jwt.encode(
        {"user_id": "bench", "role": role, "iat": now, "exp": now + 3600}, SECRET, algorithm="HS256"
    )


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def write_config(tmp: Path, port: int) -> Path:
    config = tmp / "config.yaml"
    config.write_text(
        f"server: {{host: 127.0.0.1, port: {port}, max_connections: 1000,"
        " rate_limit: 1000000000, rate_burst: 1000000000}\n"
        f"auth: {{jwt_secret: {SECRET}}}\n"
        f"mediamtx: {{api_url: 'http://127.0.0.1:{free_port()}'}}\n"
        "cameras: {udev: false, test_pattern: false}\n"
        f"storage: {{state_dir: {tmp / 'state'}, min_free_mb: 1}}\n"
        "logging: {target: console, level: WARNING}\n"
    )
    return config


async def wait_health(port: int, proc: asyncio.subprocess.Process) -> None:
    deadline = time.monotonic() + TIMEOUT
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if proc.returncode is not None:
                raise RuntimeError("daemon exited during start")
            try:
                async with http.get(f"http://127.0.0.1:{port}/health") as r:
                    if r.status in (200, 503):
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError("daemon did not listen")


async def connect(url: str) -> Any:
    # websockets exports connect lazily, which mypy cannot see
    ws = await websockets.connect(  # type: ignore[attr-defined]
        url, compression=None, max_size=None, open_timeout=TIMEOUT
    )
    await ws.send(
        json.dumps({"jsonrpc": "2.0", "method": "authenticate", "params": {"auth_token": token()}, "id": 0})
    )
    assert json.loads(await ws.recv())["result"]["authenticated"]
    return ws


async def bench_ping(url: str) -> dict[str, Any]:
    ws = await connect(url)
    frame = '{"jsonrpc":"2.0","method":"ping","id":1}'
    for _ in range(200):  # warm up
        await ws.send(frame)
        await ws.recv()
    samples = []
    for _ in range(PINGS):
        t0 = time.perf_counter()
        await ws.send(frame)
        await ws.recv()
        samples.append(time.perf_counter() - t0)
    await ws.close()
    return {"clients": 1, **summary_ms(samples)}


async def bench_throughput(url: str, pid: int) -> dict[str, Any]:
    clients = [await connect(url) for _ in range(THROUGHPUT_CLIENTS)]
    counts = [0] * len(clients)
    stop = asyncio.Event()
    frame = '{"jsonrpc":"2.0","method":"ping","id":1}'

    async def drive(i: int, ws: Any) -> None:
        for _ in range(WINDOW):
            await ws.send(frame)
        while not stop.is_set():
            await ws.recv()
            counts[i] += 1
            await ws.send(frame)
        for _ in range(WINDOW):  # drain what is still in flight
            await asyncio.wait_for(ws.recv(), TIMEOUT)

    tasks = [asyncio.create_task(drive(i, ws)) for i, ws in enumerate(clients)]
    await asyncio.sleep(1.0)  # warm up
    start_counts, t0, cpu0 = sum(counts), time.perf_counter(), cpu_seconds(pid)
    await asyncio.sleep(THROUGHPUT_SECONDS)
    done, elapsed = sum(counts) - start_counts, time.perf_counter() - t0
    server_cpu = (cpu_seconds(pid) - cpu0) / elapsed
    stop.set()
    await asyncio.wait_for(asyncio.gather(*tasks), TIMEOUT)
    await asyncio.gather(*(ws.close() for ws in clients))
    return {
        "clients": THROUGHPUT_CLIENTS,
        "in_flight_per_client": WINDOW,
        "seconds": round(elapsed, 2),
        "requests": done,
        "requests_per_second": round(done / elapsed),
        "server_cpu_percent": round(100 * server_cpu),
        "server_cpu_us_per_request": round(server_cpu * elapsed / done * 1e6, 1) if done else None,
    }


# -- notification fan-out ----------------------------------------------------------------------


def _client_frame(payload: bytes) -> bytes:
    mask = os.urandom(4)
    n = len(payload)
    head = struct.pack("!BB", 0x81, 0x80 | n) if n < 126 else struct.pack("!BBH", 0x81, 0x80 | 126, n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class StampingClient(asyncio.Protocol):
    """Minimal WebSocket client: stamps the arrival time of each chunk of data and decodes
    frames (server frames are unmasked) without JSON parsing on the hot path."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.buf = b""
        self.upgraded = asyncio.get_running_loop().create_future()
        self.messages: list[tuple[float, bytes]] = []
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(
            (
                f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )

    def data_received(self, data: bytes) -> None:
        stamp = time.time()
        self.buf += data
        if not self.upgraded.done():
            head, sep, rest = self.buf.partition(b"\r\n\r\n")
            if not sep:
                return
            self.buf = rest
            self.upgraded.set_result(head.startswith(b"HTTP/1.1 101"))
        while len(self.buf) >= 2:
            n, offset = self.buf[1] & 0x7F, 2
            if n == 126:
                if len(self.buf) < 4:
                    return
                (n,), offset = struct.unpack("!H", self.buf[2:4]), 4
            elif n == 127:
                if len(self.buf) < 10:
                    return
                (n,), offset = struct.unpack("!Q", self.buf[2:10]), 10
            if len(self.buf) < offset + n:
                return
            if self.buf[0] & 0x0F == 0x1:
                self.messages.append((stamp, self.buf[offset : offset + n]))
            self.buf = self.buf[offset + n :]

    def send_json(self, message: Any) -> None:
        assert self.transport is not None
        self.transport.write(_client_frame(json.dumps(message).encode()))


class PipeliningClient(StampingClient):
    """Keeps ``WINDOW`` pings in flight; counts replies (for the lean throughput run)."""

    FRAME = b""

    def __init__(self, port: int) -> None:
        super().__init__(port)
        self.count = 0
        self.running = False

    def data_received(self, data: bytes) -> None:
        before = len(self.messages)
        super().data_received(data)
        got = len(self.messages) - before
        if got:
            self.messages.clear()
            self.count += got
            if self.running and self.transport is not None:
                self.transport.write(self.FRAME * got)


async def bench_throughput_lean(port: int, pid: int) -> dict[str, Any]:
    PipeliningClient.FRAME = _client_frame(b'{"jsonrpc":"2.0","method":"ping","id":1}')
    loop = asyncio.get_running_loop()
    clients: list[PipeliningClient] = []
    for _ in range(THROUGHPUT_CLIENTS):
        _, c = await loop.create_connection(lambda: PipeliningClient(port), "127.0.0.1", port)
        assert await asyncio.wait_for(c.upgraded, TIMEOUT)
        c.send_json({"jsonrpc": "2.0", "method": "authenticate", "params": {"auth_token": token()}, "id": 0})
        clients.append(c)
    for c in clients:
        c.running = True
        assert c.transport is not None
        c.transport.write(PipeliningClient.FRAME * WINDOW)
    await asyncio.sleep(1.0)  # warm up
    start, t0, cpu0 = sum(c.count for c in clients), time.perf_counter(), cpu_seconds(pid)
    await asyncio.sleep(THROUGHPUT_SECONDS)
    done, elapsed = sum(c.count for c in clients) - start, time.perf_counter() - t0
    server_cpu = (cpu_seconds(pid) - cpu0) / elapsed
    for c in clients:
        c.running = False
        assert c.transport is not None
        c.transport.close()
    return {
        "clients": THROUGHPUT_CLIENTS,
        "in_flight_per_client": WINDOW,
        "client": "minimal asyncio Protocol (pre-built frames)",
        "seconds": round(elapsed, 2),
        "requests": done,
        "requests_per_second": round(done / elapsed),
        "server_cpu_percent": round(100 * server_cpu),
        "server_cpu_us_per_request": round(server_cpu * elapsed / done * 1e6, 1) if done else None,
    }


async def fanout_server() -> None:
    """Helper process: the real ApiServer and bus; publishes one notification per stdin line."""
    from camera_service.cameras.registry import CameraRegistry
    from camera_service.config.model import AuthConfig, Config, ServerConfig, StorageConfig
    from camera_service.events import EventBus
    from camera_service.media import Storage
    from camera_service.models import Notification
    from camera_service.rpc import RpcContext
    from camera_service.rpc.camera_notifier import CameraNotifier
    from camera_service.web import ApiServer

    tmp = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
    config = Config(
        server=ServerConfig(host="127.0.0.1", port=0, max_connections=FANOUT_CLIENTS + 100),
        auth=AuthConfig(jwt_secret=SECRET),
        storage=StorageConfig(state_dir=tmp, snapshots_dir=tmp / "s", recordings_dir=tmp / "r"),
    )
    registry = CameraRegistry()
    bus: EventBus[Notification] = EventBus()
    loop = asyncio.get_running_loop()
    async with Storage(config.storage) as storage:
        ctx = RpcContext(cameras=registry, config=config, files=storage)
        async with ApiServer(config.server, config.auth, ctx, bus) as api, CameraNotifier(registry, ctx, bus):
            print(f"PORT {api.port}", flush=True)
            while True:
                line = await loop.run_in_executor(None, sys.stdin.readline)
                if not line:
                    return
                params = {
                    "device": "camera0",
                    "status": "CONNECTED",
                    "name": "bench",
                    "resolution": "1280x720",
                    "fps": 30,
                    "streams": ctx.stream_urls("camera0"),
                    "sent_at": time.time(),
                }
                bus.publish(Notification("camera_status_update", "camera.status", params, "camera0"))


async def bench_fanout() -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--fanout-server",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert proc.stdout is not None and proc.stdin is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), TIMEOUT)).decode()
    port = int(line.split()[1])
    loop = asyncio.get_running_loop()
    clients: list[StampingClient] = []
    for _ in range(FANOUT_CLIENTS):
        _, client = await loop.create_connection(lambda: StampingClient(port), "127.0.0.1", port)
        assert await asyncio.wait_for(client.upgraded, TIMEOUT)
        client.send_json(
            {"jsonrpc": "2.0", "method": "authenticate", "params": {"auth_token": token("viewer")}, "id": 1}
        )
        clients.append(client)
    deadline = time.monotonic() + TIMEOUT
    while any(len(c.messages) < 1 for c in clients):
        assert time.monotonic() < deadline, "clients did not authenticate"
        await asyncio.sleep(0.01)
    latencies: list[float] = []
    for round_ in range(1, FANOUT_ROUNDS + 1):
        proc.stdin.write(b"go\n")
        await proc.stdin.drain()
        deadline = time.monotonic() + TIMEOUT
        while any(len(c.messages) < round_ + 1 for c in clients):
            assert time.monotonic() < deadline, "notifications did not arrive"
            await asyncio.sleep(0.002)
        for c in clients:
            stamp, payload = c.messages[round_]
            latencies.append(stamp - json.loads(payload)["params"]["sent_at"])
        await asyncio.sleep(0.05)
    for c in clients:
        assert c.transport is not None
        c.transport.close()
    proc.stdin.close()
    await asyncio.wait_for(proc.wait(), TIMEOUT)
    return {"clients": FANOUT_CLIENTS, "rounds": FANOUT_ROUNDS, **summary_ms(latencies)}


def cpu_available() -> float:
    """Share of one core a busy loop gets for 0.5 s (below 1.0 on a loaded/throttled host)."""
    t0, c0 = time.perf_counter(), time.process_time()
    while time.perf_counter() - t0 < 0.5:
        pass
    return round((time.process_time() - c0) / (time.perf_counter() - t0), 2)


async def main() -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="bench-api-"))
    port = free_port()
    config = write_config(tmp, port)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    daemon = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "camera_service",
        "--config",
        str(config),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await wait_health(port, daemon)
        await asyncio.sleep(3.0)  # settle: idle, no cameras
        idle_rss = rss_mb(daemon.pid)
        url = f"ws://127.0.0.1:{port}/ws"
        ping = await bench_ping(url)
        throughput_ws = await bench_throughput(url, daemon.pid)
        throughput = await bench_throughput_lean(port, daemon.pid)
        loaded_rss = rss_mb(daemon.pid)
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(daemon.wait(), TIMEOUT)
        except TimeoutError:
            daemon.kill()
            await daemon.wait()
    fanout = await bench_fanout()
    per_request = throughput["server_cpu_us_per_request"]
    throughput["single_core_capacity_estimate"] = round(1e6 / per_request) if per_request else None
    met = {
        "ping_p99_ms": ping["p99"] < TARGETS["ping_p99_ms"],
        "requests_per_second": throughput["requests_per_second"] >= TARGETS["requests_per_second"],
        "notification_p99_ms": fanout["p99"] < TARGETS["notification_p99_ms"],
        "idle_rss_mb": idle_rss < TARGETS["idle_rss_mb"],
    }
    return {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "aiohttp": aiohttp.__version__,
            "websockets": websockets.__version__,
            "cpu_available": cpu_available(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "ping_rtt_ms": ping,
        "throughput": throughput,
        "throughput_websockets_client": {**throughput_ws, "client": "websockets library"},
        "notification_latency_ms": fanout,
        "idle_rss_mb": idle_rss,
        "rss_after_load_mb": loaded_rss,
        "targets": TARGETS,
        "met": met,
    }


if __name__ == "__main__":
    if "--fanout-server" in sys.argv:
        asyncio.run(fanout_server())
        sys.exit(0)
    result = asyncio.run(main())
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
