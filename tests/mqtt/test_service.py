"""``MqttService`` in this process over a real Mosquitto, fed through the real event bus and
camera registry: motion notifications of issue 21's shape become motion state and events,
and a broker that cannot be reached never holds the event loop."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from pathlib import Path

import pytest

from camera_service.cameras.registry import CameraRegistry
from camera_service.config.model import MqttConfig
from camera_service.events import EventBus
from camera_service.models import Camera, CameraKind, CameraStatus, Clock, Notification
from camera_service.mqtt import MqttService, Sources
from camera_service.rpc.camera_notifier import CameraNotifier
from support.mosquitto import Broker, Subscriber

pytestmark = pytest.mark.integration
URLS = {"rtsp": "rtsp://127.0.0.1:8554/camera0"}


class Urls:
    def stream_urls(self, camera_id: str) -> dict[str, str]:
        return URLS


def service(config: MqttConfig) -> tuple[MqttService, CameraRegistry, EventBus[Notification]]:
    registry, bus = CameraRegistry(Clock()), EventBus[Notification]()
    registry.upsert(Camera("camera0", CameraKind.NETWORK, "Door", CameraStatus.CONNECTED))
    sources = Sources(cameras=registry, stream_urls=Urls().stream_urls, recording=lambda c: False,
                      components=dict)  # fmt: skip
    return MqttService(config, sources, bus), registry, bus


async def test_motion_events_become_motion_state_and_events(broker: Broker) -> None:
    config = MqttConfig(enabled=True, host="127.0.0.1", port=broker.port, username=broker.user,
                        password=broker.password, base_topic="cs/svc", client_id="svc-test")  # fmt: skip
    svc, registry, bus = service(config)
    notifier = CameraNotifier(registry, Urls(), bus)
    ha = await asyncio.to_thread(Subscriber, broker, "cs/svc/#")
    try:
        async with svc:
            await asyncio.to_thread(ha.wait, "cs/svc/camera0/motion", b"OFF")
            start = len(ha.snapshot())
            params = {"device": "camera0", "id": "ev1", "status": "started", "score": 0.4}
            bus.publish(Notification("motion_event", "motion.started", params, device="camera0"))
            on = await asyncio.to_thread(ha.wait, "cs/svc/camera0/motion", b"ON", start)
            event = await asyncio.to_thread(ha.wait, "cs/svc/camera0/motion/event", None, start)
            assert json.loads(event.payload) == params and not event.retain
            bus.publish(Notification("motion_event", "motion.ended", {**params, "status": "ended"},
                                     device="camera0"))  # fmt: skip
            off = await asyncio.to_thread(ha.wait, "cs/svc/camera0/motion", b"OFF", start)
            assert on.at < off.at
            registry.set_status("camera0", CameraStatus.DISCONNECTED, "unplugged")
            await asyncio.to_thread(ha.wait, "cs/svc/camera0/connected", b"OFF", start)
    finally:
        notifier.close()
        ha.close()


async def test_an_unreachable_broker_never_holds_the_event_loop(tmp_path: Path) -> None:
    # A black-holed broker on loopback: the socket listens but nobody ever accepts or answers,
    # so the TCP connect completes and the MQTT CONNACK never comes (paho waits in its thread).
    hole = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    hole.bind(("127.0.0.1", 0))
    hole.listen(1)
    config = MqttConfig(enabled=True, host="127.0.0.1", port=hole.getsockname()[1],
                        base_topic="cs/away", client_id="away", reconnect_min=1,
                        reconnect_max=1)  # fmt: skip
    svc, registry, bus = service(config)
    notifier = CameraNotifier(registry, Urls(), bus)
    loop = asyncio.get_running_loop()
    t = time.perf_counter()
    async with svc:
        started = time.perf_counter() - t
        worst, flips = 0.0, 0
        end = loop.time() + 2.0
        while loop.time() < end:
            before = loop.time()
            await asyncio.sleep(0.01)
            worst = max(worst, loop.time() - before - 0.01)
            flips += 1  # camera events keep coming while the broker is away
            registry.set_status("camera0", (CameraStatus.CONNECTED, CameraStatus.DISCONNECTED)[flips % 2])
        assert not svc.health().healthy and svc.health().state in ("connecting", "disconnected")
        assert svc.metrics.published == 0 and svc.metrics.dropped > flips
    notifier.close()
    hole.close()
    assert started < 1.0, started
    assert worst < 0.5, f"the loop was held {worst:.3f} s"


async def test_a_wrong_password_is_reported_as_refused(broker: Broker) -> None:
    config = MqttConfig(enabled=True, host="127.0.0.1", port=broker.port, username=broker.user,
                        password="wrong", base_topic="cs/refused", client_id="refused")  # fmt: skip
    svc, _, _ = service(config)
    async with svc:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while "refused" not in svc.health().detail:
            assert loop.time() < deadline, svc.health()
            await asyncio.sleep(0.02)
        health = svc.health()
        assert not health.healthy and health.state == "disconnected"
        assert "authori" in health.detail.lower(), health.detail  # "not authorised" / "Not authorized"
