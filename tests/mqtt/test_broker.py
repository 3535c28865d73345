"""The daemon against a real Mosquitto (password file; TLS with a client certificate from a
test CA), watched by a subscriber that sees what Home Assistant would see."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from pathlib import Path

import pytest

from camera_service.recording_modes import DAYS
from support.daemon import TIMEOUT, Client, Daemon
from support.mosquitto import Broker, Subscriber

pytestmark = pytest.mark.integration
BASE = "cs/test"
HA = "homeassistant"
ENTITIES = ("camera/cs_test/camera0_snapshot", "binary_sensor/cs_test/camera0_connected",
            "binary_sensor/cs_test/camera0_motion", "switch/cs_test/camera0_recording",
            "button/cs_test/camera0_take_snapshot", "sensor/cs_test/camera0_recording_mode")  # fmt: skip


def daemon(tmp: Path, broker: Broker, commands: str = "[]", extra: str = "") -> Daemon:
    return Daemon(tmp, broker.yaml(BASE, commands, extra))


def health(d: Daemon) -> dict[str, object]:
    with urllib.request.urlopen(f"http://127.0.0.1:{d.port}/health", timeout=TIMEOUT) as r:
        return dict(json.loads(r.read()))


def test_home_assistant_sees_the_camera_a_snapshot_and_a_recording_in_order(
    tmp_path: Path, broker: Broker
) -> None:
    ha = Subscriber(broker, f"{BASE}/#", f"{HA}/#")
    d = daemon(tmp_path, broker, "[snapshot, recording]")
    try:
        ha.wait(f"{BASE}/availability", b"online")
        for entity in ENTITIES:
            config = json.loads(ha.wait(f"{HA}/{entity}/config").payload)
            assert config["device"]["identifiers"] == ["cs_test_camera0"]
        ha.wait(f"{BASE}/camera0/connected", b"ON")
        assert json.loads(ha.wait(f"{BASE}/health").payload)["components"]["mqtt"]["state"] == "connected"

        start = len(ha.snapshot())
        ha.publish(f"{BASE}/camera0/snapshot/set", "PRESS")
        jpeg = ha.wait(f"{BASE}/camera0/snapshot", since=start).payload
        assert jpeg[:2] == b"\xff\xd8" and jpeg[-2:] == b"\xff\xd9" and len(jpeg) > 1000
        result = json.loads(ha.wait(f"{BASE}/camera0/snapshot/result", since=start).payload)
        assert result["ok"] and result["file_size"] == len(jpeg)

        start = len(ha.snapshot())
        ha.publish(f"{BASE}/camera0/recording/set", "ON")
        on = ha.wait(f"{BASE}/camera0/recording", b"ON", since=start)
        assert json.loads(ha.wait(f"{BASE}/camera0/recording/result", since=start).payload)["ok"]
        ha.publish(f"{BASE}/camera0/recording/set", "OFF")
        off = ha.wait(f"{BASE}/camera0/recording", b"OFF", since=start)
        assert on.at < off.at
        # the state goes out just before the event of the same notification: wait for it too
        deadline = time.monotonic() + 10
        while True:
            events = [json.loads(m.payload)["status"] for m in ha.snapshot()[start:]
                      if m.topic == f"{BASE}/camera0/recording/event"]  # fmt: skip
            if events[-1:] in (["STOPPED"], ["COMPLETED"]) or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        assert events[0] == "STARTED" and events[-1] in ("STOPPED", "COMPLETED"), events

        start = len(ha.snapshot())
        ha.publish(f"{BASE}/camera0/recording_mode/set", "continuous")  # not in the allow-list
        refused = json.loads(ha.wait(f"{BASE}/camera0/recording_mode/result", since=start).payload)
        assert refused == {"command": "recording_mode", "ok": False, "error": "refused",
                           "message": "command 'recording_mode' is not allowed (mqtt.commands)"}  # fmt: skip
        ha.publish(f"{BASE}/camera9/snapshot/set", "PRESS")
        unknown = json.loads(ha.wait(f"{BASE}/camera9/snapshot/result", since=start).payload)
        assert unknown["ok"] is False and unknown["error"] == "CameraNotFound"
    finally:
        d.stop()
        ha.close()


def test_retained_state_after_a_restart_and_the_last_will_on_sigkill(tmp_path: Path, broker: Broker) -> None:
    d = daemon(tmp_path, broker)
    watcher = Subscriber(broker, f"{BASE}/availability")
    try:
        watcher.wait(f"{BASE}/availability", b"online")
    finally:
        d.stop()
    watcher.wait(f"{BASE}/availability", b"offline")  # said on a clean stop, before DISCONNECT

    late = Subscriber(broker, f"{BASE}/#", f"{HA}/#")  # comes after the service stopped
    try:
        assert late.wait(f"{BASE}/camera0/connected", b"ON").retain
        assert late.wait(f"{HA}/switch/cs_test/camera0_recording/config").retain
        assert late.wait(f"{BASE}/availability", b"offline").retain
    finally:
        late.close()

    start = len(watcher.snapshot())
    d = daemon(tmp_path, broker)
    try:
        watcher.wait(f"{BASE}/availability", b"online", since=start)
        start = len(watcher.snapshot())
        d.proc.kill()  # no clean DISCONNECT: the broker sends the last will
        d.proc.wait(TIMEOUT)
        assert watcher.wait(f"{BASE}/availability", b"offline", since=start, timeout=15)
    finally:
        d.stop()
        watcher.close()


async def _ping_times(d: Daemon, seconds: float) -> list[float]:
    client = await Client.connect(d.url)
    times: list[float] = []
    try:
        await client.result("authenticate", {"auth_token": d.token("admin")})
        status = await client.result("get_status")
        assert status["component_health"]["mqtt"]["state"] == "disconnected"
        assert set(status["components"]) == {"websocket_server", "camera_monitor", "mediamtx"}
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            t = time.perf_counter()
            await client.result("ping")
            times.append(time.perf_counter() - t)
            await asyncio.sleep(0.02)
    finally:
        await client.close()
    return times


def test_broker_killed_and_back_the_api_stays_fast_and_state_is_republished(
    tmp_path: Path, broker: Broker
) -> None:
    d = daemon(tmp_path, broker)
    try:
        ha = Subscriber(broker, f"{BASE}/#")
        ha.wait(f"{BASE}/camera0/connected", b"ON")
        ha.close()
        broker.kill()
        deadline = time.monotonic() + TIMEOUT
        while (mqtt := health(d)["components"]["mqtt"])["healthy"]:  # type: ignore[index]
            assert time.monotonic() < deadline, mqtt
            time.sleep(0.05)
        assert mqtt["state"] == "disconnected"  # type: ignore[index]
        times = asyncio.run(_ping_times(d, 3.0))
        assert max(times) < 0.5, sorted(times)[-5:]

        broker.start()  # no persistence: the broker forgot every retained message
        ha = Subscriber(broker, f"{BASE}/#", f"{HA}/#")
        try:
            ha.wait(f"{BASE}/availability", b"online", timeout=TIMEOUT)
            ha.wait(f"{BASE}/camera0/connected", b"ON")
            ha.wait(f"{HA}/camera/cs_test/camera0_snapshot/config")
        finally:
            ha.close()
        deadline = time.monotonic() + TIMEOUT
        while not health(d)["components"]["mqtt"]["healthy"]:  # type: ignore[index]
            assert time.monotonic() < deadline
            time.sleep(0.05)
        with urllib.request.urlopen(f"http://127.0.0.1:{d.port}/metrics", timeout=TIMEOUT) as r:
            metrics = r.read().decode()
        assert "camera_service_mqtt_connects_total 2.0" in metrics
        assert "camera_service_mqtt_connected 1.0" in metrics
    finally:
        d.stop()


def test_tls_with_a_client_certificate_from_the_test_ca(tmp_path: Path) -> None:
    from support.mosquitto import available

    if (why := available()) is not None:
        pytest.skip(why)
    folder = tmp_path / "broker"
    folder.mkdir()
    b = Broker(folder, tls=True).start()
    c = b.certs
    tls = (f"  tls: {{ca: {c['ca.crt']}, cert: {c['client.crt']}, key: {c['client.key']}}}\n")
    yaml = b.yaml(BASE).replace(f"port: {b.port}", f"port: {b.tls_port}") + tls
    ha = Subscriber(b, f"{BASE}/availability")
    d = Daemon(tmp_path, yaml)
    try:
        ha.wait(f"{BASE}/availability", b"online")
    finally:
        d.stop()
        ha.close()
        b.stop()


async def _add_and_remove(d: Daemon, url: str, ha: Subscriber) -> str:
    client = await Client.connect(d.url)
    try:
        await client.result("authenticate", {"auth_token": d.token("admin")})
        added = await client.result("add_external_stream", {"stream_url": url, "stream_name": "Gate"})
        device = str(added["device"])
        await asyncio.to_thread(ha.wait, f"homeassistant/switch/cs_test/{device}_recording/config")
        await client.result("remove_external_stream", {"stream_url": url})
        return device
    finally:
        await client.close()


def test_a_removed_camera_leaves_home_assistant_and_the_broker(tmp_path: Path, broker: Broker) -> None:
    ha = Subscriber(broker, f"{BASE}/#", f"{HA}/#")
    # camera7 of an earlier run, removed while the service was not running
    ha.publish(f"{BASE}/camera7/state", b'{"device":"camera7"}', retain=True)
    ha.publish(f"{HA}/switch/cs_test/camera7_recording/config", b'{"name":"x"}', retain=True)
    d = daemon(tmp_path, broker)
    try:
        ha.wait(f"{BASE}/availability", b"online")
        ha.wait(f"{HA}/switch/cs_test/camera7_recording/config", b"")
        ha.wait(f"{BASE}/camera7/state", b"")
        device = asyncio.run(_add_and_remove(d, "rtsp://reader:s3cret@127.0.0.1:9/gate", ha))
        for entity in ENTITIES:
            ha.wait(f"{HA}/{entity.replace('camera0', device)}/config", b"")
        ha.wait(f"{BASE}/{device}/state", b"")
        assert not any(b"s3cret" in m.payload for m in ha.snapshot())
    finally:
        d.stop()
        ha.close()
    late = Subscriber(broker, f"{BASE}/#", f"{HA}/#")  # nothing retained about it any more
    try:
        late.wait(f"{BASE}/camera0/connected", b"ON")
        assert not [m.topic for m in late.snapshot() if f"{device}" in m.topic]
    finally:
        late.close()


def test_the_recording_mode_set_over_mqtt_is_saved_and_published(tmp_path: Path, broker: Broker) -> None:
    ha = Subscriber(broker, f"{BASE}/#")
    d = daemon(tmp_path, broker, "[recording_mode]")
    try:
        ha.wait(f"{BASE}/camera0/recording_mode", b"off")
        start = len(ha.snapshot())
        ha.publish(f"{BASE}/camera0/recording_mode/set", "continuous")
        result = json.loads(ha.wait(f"{BASE}/camera0/recording_mode/result", since=start).payload)
        assert result == {"command": "recording_mode", "ok": True, "value": "continuous"}
        ha.wait(f"{BASE}/camera0/recording_mode", b"continuous", since=start)
        ha.wait(f"{BASE}/camera0/recording", b"ON", since=start)  # the recorder started
        start = len(ha.snapshot())
        ha.publish(f"{BASE}/camera0/recording_mode/set", "always")
        bad = json.loads(ha.wait(f"{BASE}/camera0/recording_mode/result", since=start).payload)
        assert bad["ok"] is False and "expected one of off, continuous, schedule" in bad["message"]
    finally:
        d.stop()
        ha.close()
    saved = json.loads(next((tmp_path / "state").glob("*mode*.json")).read_text())
    assert "continuous" in json.dumps(saved)


async def _set_modes(d: Daemon, ha: Subscriber, steps: list[dict[str, object]]) -> None:
    client = await Client.connect(d.url)
    try:
        await client.result("authenticate", {"auth_token": d.token("admin")})
        for params in steps:
            start = len(ha.snapshot())
            await client.result("set_recording_mode", {"device": "camera0", **params})
            # no notification says it (nothing starts or stops): the recorder's listener does
            await asyncio.to_thread(ha.wait, f"{BASE}/camera0/recording_mode",
                                    str(params["mode"]).encode(), start, 5.0)  # fmt: skip
    finally:
        await client.close()


def test_a_mode_set_through_the_api_without_a_recording_change_is_retained_at_once(
    tmp_path: Path, broker: Broker
) -> None:
    day = DAYS[(time.localtime().tm_wday + 3) % 7]  # a window three days away: idle all along
    window = {"days": [day], "start": "12:00", "end": "12:01"}
    away: dict[str, object] = {"mode": "schedule", "schedule": [window]}
    ha = Subscriber(broker, f"{BASE}/camera0/#")
    d = daemon(tmp_path, broker)
    try:
        ha.wait(f"{BASE}/camera0/recording_mode", b"off")
        asyncio.run(_set_modes(d, ha, [away, {"mode": "off"}, away]))
        assert not [m for m in ha.snapshot() if m.topic == f"{BASE}/camera0/recording/event"]
    finally:
        d.stop()
        ha.close()
    late = Subscriber(broker, f"{BASE}/camera0/recording_mode")  # what Home Assistant gets now
    try:
        assert late.wait(f"{BASE}/camera0/recording_mode", b"schedule").retain
    finally:
        late.close()
