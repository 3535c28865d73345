"""MQTT benchmark -> bench/results/mqtt.json (a real Mosquitto on loopback).

- ``event_to_message_ms``: from a camera event (``CameraRegistry.set_status``, the call the
  camera monitor makes) to the arrival of its ``<base>/<camera>/connected`` message at a
  subscriber, through the real path: registry → notifier → event bus → ``MqttService`` →
  paho's network thread → Mosquitto → a paho subscriber (its arrival stamped in its network
  thread). Both ends in this process, one clock. Goal: p95 < 50 ms.
- ``ping_broker_up_ms`` / ``ping_broker_down_ms``: the API's ``ping`` round trip against the
  real daemon (``python -m camera_service`` with ``mqtt`` on), first with the broker up,
  then with the broker killed (the daemon's paho thread trying to reconnect every second
  meanwhile). Goal: the p99 with the broker down is no worse than with it up (within 20 %
  or 0.5 ms, whichever is larger: loopback noise).

Run: ``PYTHONPATH=src /usr/bin/python3 bench/bench_mqtt.py`` (or ``make bench``).
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

import paho.mqtt.client as paho  # noqa: E402
from bench_api import SECRET, connect, free_port, percentile, wait_health  # noqa: E402
from paho.mqtt import __version__ as PAHO_VERSION  # noqa: E402

from camera_service.cameras.registry import CameraRegistry  # noqa: E402
from camera_service.config.model import MqttConfig  # noqa: E402
from camera_service.events import EventBus  # noqa: E402
from camera_service.models import Camera, CameraKind, CameraStatus, Clock, Notification  # noqa: E402
from camera_service.mqtt import MqttService, Sources  # noqa: E402
from camera_service.rpc.camera_notifier import CameraNotifier  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "mqtt.json"
TIMEOUT = 30.0
EVENTS = 300
PINGS = 2000
TARGETS = {"event_to_message_p95_ms": 50.0}
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def summary(ms: list[float]) -> dict[str, float]:
    return {"samples": len(ms), "p50": round(percentile(ms, 50), 3), "p95": round(percentile(ms, 95), 3),
            "p99": round(percentile(ms, 99), 3), "max": round(max(ms), 3)}  # fmt: skip


class Broker:
    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.conf = tmp / "mosquitto.conf"
        user = pwd.getpwuid(os.geteuid()).pw_name
        self.conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\n"
                             f"persistence false\nuser {user}\nlog_type error\n")  # fmt: skip
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([MOSQUITTO, "-c", str(self.conf)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mosquitto did not start")

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(TIMEOUT)
            self.proc = None


def subscriber(port: int, topic: str, on: Any) -> Any:
    v2 = hasattr(paho, "CallbackAPIVersion")
    client = paho.Client(paho.CallbackAPIVersion.VERSION2) if v2 else paho.Client()
    ready = threading.Event()
    client.on_connect = lambda c, *a: c.subscribe(topic, qos=1)
    client.on_subscribe = lambda *a: ready.set()
    client.on_message = lambda c, u, m: on(time.perf_counter(), bytes(m.payload))
    client.connect("127.0.0.1", port)
    client.loop_start()
    if not ready.wait(TIMEOUT):
        raise RuntimeError("subscriber did not subscribe")
    return client


async def event_latency(broker: Broker) -> dict[str, float]:
    loop = asyncio.get_running_loop()
    registry, bus = CameraRegistry(Clock()), EventBus[Notification]()
    urls = {"rtsp": "rtsp://127.0.0.1:8554/camera0"}

    class Urls:
        def stream_urls(self, camera_id: str) -> dict[str, str]:
            return urls

    notifier = CameraNotifier(registry, Urls(), bus)
    config = MqttConfig(enabled=True, host="127.0.0.1", port=broker.port, base_topic="bench/cs",
                        client_id="bench-cs", qos=1, discovery=True)  # fmt: skip
    service = MqttService(config, Sources(cameras=registry, stream_urls=Urls().stream_urls,
                                          recording=lambda c: False, components=dict), bus)  # fmt: skip
    registry.upsert(Camera("camera0", CameraKind.NETWORK, "Bench", CameraStatus.CONNECTED))
    arrivals: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
    sub = subscriber(broker.port, "bench/cs/camera0/connected",
                     lambda t, p: loop.call_soon_threadsafe(arrivals.put_nowait, (t, p)))
    lat: list[float] = []
    try:
        async with service:
            while True:  # the retained ON of the start, and the connection made
                t, p = await asyncio.wait_for(arrivals.get(), TIMEOUT)
                if p == b"ON" and service.client.connected:
                    break
            for i in range(EVENTS):
                status = CameraStatus.DISCONNECTED if i % 2 == 0 else CameraStatus.CONNECTED
                want = b"OFF" if i % 2 == 0 else b"ON"
                sent = time.perf_counter()
                registry.set_status("camera0", status)
                while True:
                    t, p = await asyncio.wait_for(arrivals.get(), TIMEOUT)
                    if p == want:
                        break
                lat.append((t - sent) * 1000)
                await asyncio.sleep(0.01)
    finally:
        notifier.close()
        sub.loop_stop()
    return summary(lat)


async def pings(url: str, n: int) -> dict[str, float]:
    ws = await connect(url)
    times: list[float] = []
    try:
        for i in range(n):
            t = time.perf_counter()
            await ws.send(json.dumps({"jsonrpc": "2.0", "method": "ping", "id": i + 10}))
            while json.loads(await ws.recv()).get("id") != i + 10:
                pass
            times.append((time.perf_counter() - t) * 1000)
    finally:
        await ws.close()
    return summary(times)


async def ping_with_broker_down(broker: Broker, tmp: Path) -> dict[str, Any]:
    port = free_port()
    config = tmp / "config.yaml"
    config.write_text(
        f"server: {{host: 127.0.0.1, port: {port}, rate_limit: 1000000000, rate_burst: 1000000000}}\n"
        f"auth: {{jwt_secret: {SECRET}}}\n"
        f"mediamtx: {{api_url: 'http://127.0.0.1:{free_port()}'}}\n"
        "cameras: {udev: false, test_pattern: false}\n"
        f"storage: {{state_dir: {tmp / 'state'}, min_free_mb: 1}}\n"
        "logging: {target: console, level: WARNING}\n"
        f"mqtt: {{enabled: true, host: 127.0.0.1, port: {broker.port}, base_topic: bench/daemon,"
        " reconnect_min: 1, reconnect_max: 1}\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    argv = [sys.executable, "-m", "camera_service", "--config", str(config)]
    proc = await asyncio.create_subprocess_exec(*argv, env=env, stdout=asyncio.subprocess.DEVNULL,
                                                stderr=asyncio.subprocess.DEVNULL)  # fmt: skip
    try:
        await wait_health(port, proc)
        url = f"ws://127.0.0.1:{port}/ws"
        await pings(url, 200)  # warm up
        up = await pings(url, PINGS)
        broker.kill()
        await asyncio.sleep(1.5)  # the daemon has noticed and its paho thread is retrying
        down = await pings(url, PINGS)
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), TIMEOUT)
    return {"up": up, "down": down}


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        broker = Broker(tmp)
        broker.start()
        try:
            latency = await event_latency(broker)
            api = await ping_with_broker_down(broker, tmp)
        finally:
            broker.kill()
    up, down = api["up"]["p99"], api["down"]["p99"]
    result = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "paho": PAHO_VERSION},
        "event_to_message_ms": latency,
        "ping_broker_up_ms": api["up"],
        "ping_broker_down_ms": api["down"],
        "targets": TARGETS,
        "met": {
            "event_to_message_p95": latency["p95"] < TARGETS["event_to_message_p95_ms"],
            "ping_p99_unchanged_with_broker_down": down <= max(up * 1.2, up + 0.5),
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    if not Path(MOSQUITTO).exists():
        print("bench_mqtt: skipped, no mosquitto (apt-get install mosquitto)")
        sys.exit(0)
    asyncio.run(main())
