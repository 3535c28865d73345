"""The internal credentials in what goes to MediaMTX: no secret in the publisher command of
any published camera kind (it asks for a one-time credential), the reader URL of our
snapshots and recordings, none at all with ``stream_auth: none``; the credentials
themselves are fresh per start and URL-safe."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import urlsplit

import aiohttp
import pytest
from mediamtx_support import closed_port

from camera_service.cameras.registry import CameraRegistry
from camera_service.config.model import Config, MediaMTXConfig
from camera_service.credentials import Credential, InternalCredentials
from camera_service.media.ffmpeg import input_args, input_script
from camera_service.media.reader_input import carries_credentials
from camera_service.mediamtx.client import MediaMTXClient
from camera_service.mediamtx.paths import PUBLISH_URL, desired_paths, path_conf_for
from camera_service.mediamtx.service import StreamService
from camera_service.models import Camera, CameraKind, CameraMode, CameraStatus

CFG = MediaMTXConfig()
PATTERN = Camera(id="camera0", kind=CameraKind.TEST_PATTERN, name="pattern",
                 status=CameraStatus.CONNECTED, mode=CameraMode("testsrc2", 320, 240, 10))
USB = Camera(id="camera1", kind=CameraKind.USB, name="usb", status=CameraStatus.CONNECTED,
             mode=CameraMode("MJPG", 640, 480, 30), device_node="/dev/video0")
NETWORK = Camera(id="camera2", kind=CameraKind.NETWORK, name="door", status=CameraStatus.CONNECTED,
                 source_url="rtsp://192.0.2.1/s")


@pytest.mark.unit
def test_fresh_credentials_every_start_url_safe_and_never_in_repr() -> None:
    a, b = InternalCredentials.generate(), InternalCredentials.generate()
    assert a.publisher and b.publisher and a.reader and a.api and b.reader
    assert a.reader.password != b.reader.password
    assert len({a.reader.password, a.api.password}) == 2
    for cred in (a.publisher.issue("camera0", 0), a.reader, a.api):
        assert re.fullmatch(r"[A-Za-z0-9_-]{32}", cred.password)
        assert cred.password not in repr(a)


@pytest.mark.unit
def test_configured_api_credential_is_kept_and_generated_only_when_missing() -> None:
    assert InternalCredentials.generate("ops", "vault-password").api == Credential("ops", "vault-password")
    generated = InternalCredentials.generate("ops", None).api
    assert generated is not None and generated.user == "ops" and generated.password
    unmanaged = InternalCredentials.unmanaged()
    assert (unmanaged.publisher, unmanaged.reader, unmanaged.api) == (None, None, None)


@pytest.mark.unit
@pytest.mark.parametrize("camera", [PATTERN, USB])
def test_published_cameras_publish_through_our_publisher_with_no_secret(camera: Camera) -> None:
    creds = InternalCredentials.generate(publish_socket="/run/cs/publish.sock")
    assert creds.publisher is not None
    issued = creds.publisher.issue("camera0", 0).password
    command = path_conf_for(camera, CFG, creds.publisher)["runOnDemand"]
    assert command.split()[1:6] == ["-m", "camera_service.publisher", "--socket",
                                    "/run/cs/publish.sock", "--"]
    assert command.endswith(" " + PUBLISH_URL) and "@" not in command and issued not in command
    plain = path_conf_for(camera, CFG)["runOnDemand"]
    assert plain.startswith("ffmpeg ") and plain.endswith(" " + PUBLISH_URL)


@pytest.mark.unit
def test_network_cameras_have_no_publisher_and_desired_paths_pass_the_publisher_on() -> None:
    creds = InternalCredentials.generate()
    desired, problems = desired_paths([PATTERN, USB, NETWORK], CFG, creds.publisher)
    assert not problems
    assert "runOnDemand" not in desired["camera2"]
    assert all("camera_service.publisher" in desired[c]["runOnDemand"] for c in ("camera0", "camera1"))


@pytest.mark.unit
def test_reader_url_carries_the_reader_credential_only_with_stream_auth() -> None:
    creds = InternalCredentials.generate()
    assert creds.reader is not None
    guarded = StreamService(None, None, CFG, "h", credentials=creds)  # type: ignore[arg-type]
    url = urlsplit(guarded.reader_url(USB))
    assert (url.username, url.password, url.hostname, url.path) == (
        creds.reader.user, creds.reader.password, "127.0.0.1", "/camera1")
    plain = StreamService(None, None, CFG, "h")  # type: ignore[arg-type]
    assert plain.reader_url(USB) == "rtsp://127.0.0.1:8554/camera1"
    # the URLs clients get never carry it
    assert all("@" not in u for u in guarded.stream_urls("camera1").values())
    # our ffmpeg gets it in its input script, not in its arguments
    assert carries_credentials(guarded.reader_url(USB)) and not carries_credentials(plain.reader_url(USB))
    assert creds.reader.password not in " ".join(input_args(guarded.reader_url(USB), 5.0))
    assert creds.reader.password.encode() in (input_script(guarded.reader_url(USB), 5.0) or b"")


@pytest.mark.unit
def test_stream_auth_defaults_to_service() -> None:
    assert Config().mediamtx.stream_auth == "service"


@pytest.mark.integration
async def test_mediamtx_is_not_asked_before_the_api_server_listens() -> None:
    asked: list[str] = []

    async def on_start(_s: object, _c: object, params: aiohttp.TraceRequestStartParams) -> None:
        asked.append(params.url.path)

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)  # type: ignore[arg-type]
    listening = asyncio.Event()
    config = MediaMTXConfig(api_url=f"http://127.0.0.1:{closed_port()}", health_interval=0.2)
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        client = MediaMTXClient(session, config.api_url, timeout=1.0)
        async with StreamService(client, CameraRegistry(), config, "h", not_before=listening) as s:
            await asyncio.sleep(0.5)
            assert asked == [] and s.health().state == "starting"
            listening.set()
            for _ in range(100):
                if asked:
                    break
                await asyncio.sleep(0.05)
            assert asked and asked[0] == "/v3/info"
