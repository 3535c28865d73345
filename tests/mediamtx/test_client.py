"""How the MediaMTX client wraps real failures: nothing listening, a hung peer, and a real
HTTP server that is not MediaMTX. (Talking to MediaMTX itself: ``test_mediamtx_live.py``.)"""

from __future__ import annotations

import base64
import json

import aiohttp
import pytest
from mediamtx_support import SilentServer, StaticHttpServer, closed_port

from camera_service.errors import MediaMTXError, MediaMTXUnavailable
from camera_service.mediamtx.client import MediaMTXClient

pytestmark = pytest.mark.integration

CONF = {"source": "rtsp://127.0.0.1:9/live", "sourceOnDemand": True}


async def test_nothing_listening_is_unavailable_for_every_call(
    session: aiohttp.ClientSession,
) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    client = MediaMTXClient(session, url, timeout=2)
    calls = [client.info(), client.config_paths_list(), client.config_path_get("camera0"),
             client.config_path_add("camera0", CONF), client.config_path_patch("camera0", CONF),
             client.config_path_replace("camera0", CONF), client.config_path_delete("camera0"),
             client.paths_list(), client.path_get("camera0")]
    for call in calls:
        with pytest.raises(MediaMTXUnavailable) as info:
            await call
        assert url in info.value.detail
        assert info.value.status is None
        assert isinstance(info.value.__cause__, aiohttp.ClientError)


async def test_unresolvable_host_is_unavailable(session: aiohttp.ClientSession) -> None:
    client = MediaMTXClient(session, "http://mediamtx.invalid:9997", timeout=2)
    with pytest.raises(MediaMTXUnavailable):
        await client.info()


async def test_hung_peer_times_out_as_unavailable(
    session: aiohttp.ClientSession, silent_server: SilentServer
) -> None:
    client = MediaMTXClient(session, silent_server.url, timeout=0.3)
    with pytest.raises(MediaMTXUnavailable, match=r"no answer within 0.3s"):
        await client.info()


async def test_request_carries_basic_auth_and_the_json_body(
    session: aiohttp.ClientSession, silent_server: SilentServer
) -> None:
    client = MediaMTXClient(session, silent_server.url + "/", user="api", password="s3cret",
                            timeout=0.3)
    with pytest.raises(MediaMTXUnavailable):
        await client.config_path_add("camera0", CONF)
    [raw] = silent_server.requests
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0] == "POST /v3/config/paths/add/camera0 HTTP/1.1"
    headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
    assert headers["authorization"] == "Basic " + base64.b64encode(b"api:s3cret").decode()
    assert headers["content-type"].startswith("application/json")
    assert json.loads(body) == CONF


async def test_path_names_are_quoted_in_the_url(
    session: aiohttp.ClientSession, silent_server: SilentServer
) -> None:
    client = MediaMTXClient(session, silent_server.url, timeout=0.3)
    with pytest.raises(MediaMTXUnavailable):
        await client.path_get("cam 1/sub")
    assert silent_server.requests[0].startswith(b"GET /v3/paths/get/cam%201/sub HTTP/1.1")


async def test_other_http_server_404_is_an_error_with_its_status(
    session: aiohttp.ClientSession, static_http_server: StaticHttpServer
) -> None:
    client = MediaMTXClient(session, static_http_server.url, timeout=5)
    with pytest.raises(MediaMTXError) as info:
        await client.info()
    assert not isinstance(info.value, MediaMTXUnavailable)
    assert info.value.status == 404
    assert info.value.detail.startswith("HTTP 404")
    assert "<" not in info.value.detail  # an HTML page is summarised, not pasted


async def test_other_http_server_404_is_not_mistaken_for_a_missing_path(
    session: aiohttp.ClientSession, static_http_server: StaticHttpServer
) -> None:
    client = MediaMTXClient(session, static_http_server.url, timeout=5)
    for call in (client.path_get("camera0"), client.config_path_get("camera0")):
        with pytest.raises(MediaMTXError) as info:
            await call
        assert info.value.status == 404


async def test_refused_writes_keep_the_http_status(
    session: aiohttp.ClientSession, static_http_server: StaticHttpServer
) -> None:
    client = MediaMTXClient(session, static_http_server.url, timeout=5)
    for call in (client.config_path_add("camera0", CONF),
                 client.config_path_replace("camera0", CONF),
                 client.config_path_patch("camera0", CONF),
                 client.config_path_delete("camera0")):
        with pytest.raises(MediaMTXError) as info:
            await call
        assert not isinstance(info.value, MediaMTXUnavailable)
        assert info.value.status == 501


async def test_an_answer_that_is_not_json_is_malformed(
    session: aiohttp.ClientSession, static_http_server: StaticHttpServer
) -> None:
    (static_http_server.root / "v3").mkdir()
    (static_http_server.root / "v3" / "info").write_text("<html>hello</html>")
    client = MediaMTXClient(session, static_http_server.url, timeout=5)
    with pytest.raises(MediaMTXError, match="malformed MediaMTX response") as info:
        await client.info()
    assert not isinstance(info.value, MediaMTXUnavailable)


async def test_empty_path_name_is_refused_before_any_request(
    session: aiohttp.ClientSession,
) -> None:
    client = MediaMTXClient(session, f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(MediaMTXError, match="empty path name"):
        await client.path_get("")
