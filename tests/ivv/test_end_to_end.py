"""End to end, only through public interfaces: the real daemon with a network camera (a real
GStreamer RTSP server) from its config, driven by ``camera-ctl`` over the WebSocket API, files
downloaded over HTTP with a token and refused without one. MediaMTX is absent on this machine,
so the network camera is read directly (degraded mode), which is what users get while MediaMTX
is down."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from support.fixtures import require_rtsp_server
from support.rtsp_server import RtspTestServer
from support.service_process import TIMEOUT, Service, free_port, serve

pytestmark = pytest.mark.ivv

@pytest.fixture(scope="module")
def camera() -> Iterator[RtspTestServer]:
    require_rtsp_server()
    with RtspTestServer() as server:
        yield server


@pytest.fixture(scope="module")
def service(camera: RtspTestServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    tmp = tmp_path_factory.mktemp("e2e")
    port = free_port()
    config = tmp / "config.yaml"
    config.write_text(
        f"server: {{host: 127.0.0.1, port: {port}, public_host: cams.example}}\n"
        "auth: {jwt_secret: end-to-end-secret-0123456789abcdefgh}\n"
        "mediamtx: {api_url: 'http://127.0.0.1:9'}\n"
        "cameras:\n  udev: false\n  test_pattern: false\n  network_probe_interval: 1\n"
        f"  network:\n    - url: {camera.url}\n      name: Front door\n"
        f"storage: {{state_dir: {tmp / 'state'}, min_free_mb: 1}}\n"
        "logging: {target: console}\n"
    )
    with serve(config, port, tmp) as service:
        yield service


def wait_connected(service: Service, token: str) -> dict[str, Any]:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        cameras = service.ctl_json("list", token=token)["cameras"]
        if cameras and cameras[0]["status"] == "CONNECTED":
            return dict(cameras[0])
        time.sleep(0.5)
    raise AssertionError(f"camera not CONNECTED within {TIMEOUT}s\n{service.log.read_text()}")


def download(service: Service, kind: str, name: str, token: str | None) -> bytes:
    return fetch(service, f"/files/{kind}/{name}", token)


def fetch(service: Service, path: str, token: str | None) -> bytes:
    request = urllib.request.Request(f"http://127.0.0.1:{service.port}{path}")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=TIMEOUT) as r:
        return bytes(r.read())


def signed_download(service: Service, url: str) -> bytes:
    """Fetch a result's ``download_url`` with no header. Its base is the configured public
    host (``cams.example``, not resolvable here), so the path and query go to 127.0.0.1."""
    parts = urllib.parse.urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == f"http://cams.example:{service.port}", url
    assert "expires=" in parts.query and "sig=" in parts.query, url
    return fetch(service, f"{parts.path}?{parts.query}", None)


def test_network_camera_is_listed_with_public_stream_urls(service: Service) -> None:
    token = service.token("viewer")
    cam = wait_connected(service, token)
    assert cam["device"] == "camera0" and cam["name"] == "Front door"
    assert cam["streams"]["rtsp"] == "rtsp://cams.example:8554/camera0"
    assert "127.0.0.1" not in json.dumps(cam)  # no private source URL leaks


def test_snapshot_is_taken_and_downloaded_with_a_token_only(service: Service) -> None:
    token = service.token("operator")
    wait_connected(service, token)
    shot = service.ctl_json("snapshot", "camera0", token=token)
    assert shot["status"] == "SUCCESS" and shot["file_size"] > 0
    data = download(service, "snapshots", shot["filename"], token)
    assert data[:2] == b"\xff\xd8"  # JPEG
    with pytest.raises(urllib.error.HTTPError) as refused:
        download(service, "snapshots", shot["filename"], None)
    assert refused.value.code == 401
    refused.value.close()
    assert signed_download(service, shot["download_url"]) == data  # a plain link, no header


def test_recording_is_recorded_listed_and_downloaded(service: Service) -> None:
    token = service.token("operator")
    wait_connected(service, token)
    started = service.ctl_json("record", "start", "camera0", token=token)
    assert started["status"] == "RECORDING"
    time.sleep(3)
    stopped = service.ctl_json("record", "stop", "camera0", token=token)
    assert stopped["status"] == "STOPPED" and stopped["file_size"] > 0
    files = service.ctl_json("files", "--kind", "recordings", token=token)
    assert stopped["filename"] in [f["filename"] for f in files["files"]]
    data = download(service, "recordings", stopped["filename"], token)
    assert len(data) == stopped["file_size"]
    assert signed_download(service, stopped["download_url"]) == data


def test_viewer_may_not_take_snapshots(service: Service) -> None:
    result = service.ctl("snapshot", "camera0", token=service.token("viewer"), check=False)
    assert result.returncode == 1
    assert "32002" in result.stderr or "permission" in result.stderr.lower()
