"""The real daemon on an emulated Raspberry Pi 4 with a Camera Module 3 (umockdev: the
machine's sysfs/udev view from tests/data/pi4_camera_module3.umockdev), only through public
interfaces (``camera-ctl``, ``/health``): the sensor is the one camera, with its default mode
and capabilities, and the daemon says which H.264 encoder it chose and why."""

from __future__ import annotations

import json
import os
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.monitor_process import MonitorProcess
from support.service_process import ENV, TIMEOUT, Service, free_port, serve
from support.umockdev_v4l2 import available

pytestmark = pytest.mark.ivv


@pytest.fixture(scope="module")
def pi4(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    if reason := available():
        pytest.skip(f"no umockdev: {reason}")
    tmp = tmp_path_factory.mktemp("pi4")
    port = free_port()
    config = tmp / "config.yaml"
    config.write_text(
        f"server: {{host: 127.0.0.1, port: {port}, public_host: pi.example}}\n"
        "auth: {jwt_secret: pi-camera-secret-0123456789abcdefghijkl}\n"
        "mediamtx: {api_url: 'http://127.0.0.1:9'}\n"
        "cameras: {test_pattern: auto}\n"
        f"storage: {{state_dir: {tmp / 'state'}, min_free_mb: 1}}\n"
        "logging: {target: console, level: DEBUG}\n"
    )
    testbed = MonitorProcess({}, tmp, umockdev=True, monitor=False,
                             records=["pi4_camera_module3.umockdev"])
    ready = testbed.start()
    env = dict(ENV, UMOCKDEV_DIR=ready["root"])
    env.pop("NOTIFY_SOCKET", None)
    try:
        with serve(config, port, tmp, env=env, wrapper=["umockdev-wrapper"]) as service:
            yield service
    finally:
        testbed.stop()


def cameras(service: Service, token: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        listed: list[dict[str, Any]] = service.ctl_json("list", token=token)["cameras"]
        if listed:
            return listed
        time.sleep(0.2)
    raise AssertionError(f"no camera within {TIMEOUT}s\n{service.log.read_text()}")


def test_the_camera_module_is_the_only_camera_with_its_default_mode(pi4: Service) -> None:
    token = pi4.token("viewer")
    listed = cameras(pi4, token)
    assert [c["device"] for c in listed] == ["camera0"], listed  # no test pattern either
    cam = listed[0]
    assert cam["status"] == "CONNECTED" and cam["name"] == "Camera Module 3 (imx708)"
    assert (cam["resolution"], cam["fps"]) == ("1920x1080", 30.0)
    assert cam["streams"]["rtsp"] == "rtsp://pi.example:8554/camera0"
    caps = pi4.ctl_json("call", "get_camera_capabilities", json.dumps({"device": "camera0"}),
                        token=token)
    assert caps["formats"] == ["H264"] and caps["validation_status"] == "CONFIRMED"
    assert "4608x2592" in caps["resolutions"]
    text = pi4.log.read_text()
    assert "/dev/video14 ignored: bcm2835-isp" in text and "/dev/video0 ignored: unicam" in text


def test_the_chosen_encoder_and_why_are_public(pi4: Service) -> None:
    token = pi4.token("viewer")
    info = pi4.ctl_json("call", "get_server_info", token=token)
    with urllib.request.urlopen(f"http://127.0.0.1:{pi4.port}/health", timeout=TIMEOUT) as r:
        health = json.loads(r.read())
    assert info["video_encoder"] == health["video_encoder"]
    assert info["video_encoder"]["encoder"] and info["video_encoder"]["reason"]
    assert os.path.exists(pi4.log)
    assert f"video encoder {info['video_encoder']['encoder']}: " in pi4.log.read_text()


def test_paths_are_not_leaked(pi4: Service) -> None:
    listed = cameras(pi4, pi4.token("viewer"))
    assert "v4l-subdev" not in json.dumps(listed) and "/sys/" not in json.dumps(listed)
    assert Path(pi4.state / "cameras.json").exists()
