"""Home Assistant's view of a USB camera plugged and unplugged (umockdev): its device
appears through discovery with the camera connected, and its entities become unavailable
(``connected`` OFF) when it is unplugged — the camera keeps its id, so it is not removed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.daemon import ENV
from support.monitor_process import MonitorProcess
from support.mosquitto import Broker, Subscriber
from support.service_process import free_port, serve
from support.umockdev_v4l2 import available

pytestmark = pytest.mark.integration
BASE = "cs/usb"


def test_a_plugged_camera_appears_in_home_assistant_and_goes_unavailable_unplugged(
    tmp_path: Path, broker: Broker
) -> None:
    if reason := available():
        pytest.skip(f"no umockdev: {reason}")
    port = free_port()
    config = tmp_path / "config.yaml"
    config.write_text(
        f"server: {{host: 127.0.0.1, port: {port}, public_host: 127.0.0.1}}\n"
        "auth: {jwt_secret: mqtt-usb-secret-0123456789abcdefghijkl}\n"
        "mediamtx: {api_url: 'http://127.0.0.1:9'}\n"
        "cameras: {udev: true, test_pattern: false}\n"
        f"storage: {{state_dir: {tmp_path / 'state'}, min_free_mb: 1}}\n"
        "logging: {target: console}\n" + broker.yaml(BASE)
    )
    testbed = MonitorProcess({}, tmp_path, umockdev=True, monitor=False)
    ready = testbed.start()
    env = dict(ENV, UMOCKDEV_DIR=ready["root"])
    env.pop("NOTIFY_SOCKET", None)
    ha = Subscriber(broker, f"{BASE}/#", "homeassistant/#")
    try:
        with serve(config, port, tmp_path, env=env, wrapper=["umockdev-wrapper"]):
            ha.wait(f"{BASE}/availability", b"online")
            start = len(ha.snapshot())
            testbed.plug("video0")
            testbed.next_message("done")
            config_msg = ha.wait("homeassistant/camera/cs_usb/camera0_snapshot/config", since=start)
            device = json.loads(config_msg.payload)["device"]
            assert device["identifiers"] == ["cs_usb_camera0"] and device["name"]
            connected = ha.wait(f"{BASE}/camera0/connected", b"ON", since=start)
            assert config_msg.at <= connected.at  # the device exists before its state arrives
            state = json.loads(ha.wait(f"{BASE}/camera0/state", since=start).payload)
            assert state["status"] == "CONNECTED" and state["resolution"]

            start = len(ha.snapshot())
            testbed.unplug("video0")
            testbed.next_message("done")
            ha.wait(f"{BASE}/camera0/connected", b"OFF", since=start)
    finally:
        ha.close()
        testbed.stop()
