"""Downloads a browser can make: the ``download_url`` of a result is an absolute signed link
that works with no header until it expires; ``Authorization: Bearer`` and ``X-API-Key`` work
too; CORS answers for the configured origins only. Real server on port 0, real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from yarl import URL

from camera_service.links import STEP
from camera_service.rpc.auth import Role, key_file_entry

from .stack import Stack, SteppedClock, api_stack, authed, call

pytestmark = pytest.mark.integration

CONTENT = bytes(range(256)) * 16
SNAPSHOT = "camera0_20261201_120000.jpg"
RECORDING = "camera0_20261201_120000.mp4"
CONSOLE = "https://console.example"
TTL = 600


@pytest.fixture
async def links(tmp_path: Path) -> AsyncIterator[tuple[Stack, SteppedClock]]:
    keys = tmp_path / "keys.yaml"
    keys.write_text("keys:\n" + key_file_entry("dash", Role.VIEWER, "dash-key"))
    clock = SteppedClock()
    async with api_stack(
        tmp_path / "state", api_key_file=keys, clock=clock, public_host="127.0.0.1",
        allowed_origins=(CONSOLE,), link_ttl=TTL,
    ) as stack:
        (stack.config.storage.snapshots_dir / SNAPSHOT).write_bytes(CONTENT)
        (stack.config.storage.recordings_dir / RECORDING).write_bytes(CONTENT[::-1])
        yield stack, clock


async def fetch(url: str, method: str = "GET", **headers: str) -> tuple[int, bytes, Any]:
    """One request with exactly these headers, the URL sent as given (no re-quoting)."""
    async with aiohttp.ClientSession() as http:
        async with http.request(method, URL(url, encoded=True), headers=headers) as r:
            return r.status, await r.read(), r.headers


async def rpc(stack: Stack, method: str, params: dict[str, Any] | None = None) -> Any:
    ws = await authed(stack, "viewer")
    try:
        reply = await call(ws, method, params)
    finally:
        await ws.close()
    assert "result" in reply, reply
    return reply["result"]


async def snapshot_url(stack: Stack) -> str:
    files = (await rpc(stack, "list_snapshots"))["files"]
    return str(files[0]["download_url"])


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(p.split("=", 1) for p in parts.query.split("&"))
    query.update(changes)
    return parts._replace(query="&".join(f"{k}={v}" for k, v in query.items())).geturl()


async def test_download_url_of_every_file_result_fetched_as_is_gives_the_file(
    links: tuple[Stack, SteppedClock],
) -> None:
    stack, _ = links
    base = f"http://127.0.0.1:{stack.server.port}"
    results = [
        ((await rpc(stack, "list_snapshots"))["files"][0], CONTENT),
        ((await rpc(stack, "list_recordings"))["files"][0], CONTENT[::-1]),
        (await rpc(stack, "get_snapshot_info", {"filename": SNAPSHOT}), CONTENT),
        (await rpc(stack, "get_recording_info", {"filename": RECORDING}), CONTENT[::-1]),
    ]
    for result, content in results:
        url = result["download_url"]
        assert url.startswith(f"{base}/files/") and "?expires=" in url and "&sig=" in url, url
        status, body, headers = await fetch(url)  # no Authorization header at all
        assert status == 200 and body == content, (url, status, body[:200])
        assert headers["Content-Disposition"].startswith("inline;")


async def test_range_request_on_a_signed_link(links: tuple[Stack, SteppedClock]) -> None:
    stack, _ = links
    url = await snapshot_url(stack)
    status, body, headers = await fetch(url, Range="bytes=100-199")
    assert status == 206 and body == CONTENT[100:200]
    assert headers["Content-Range"] == f"bytes 100-199/{len(CONTENT)}"


async def test_download_param_asks_for_an_attachment(links: tuple[Stack, SteppedClock]) -> None:
    stack, _ = links
    status, body, headers = await fetch(await snapshot_url(stack) + "&download=1")
    assert status == 200 and body == CONTENT
    assert headers["Content-Disposition"] == f'attachment; filename="{SNAPSHOT}"'


async def test_expired_link_is_refused_with_the_reason(links: tuple[Stack, SteppedClock]) -> None:
    stack, clock = links
    url = await snapshot_url(stack)
    clock.advance(TTL - 5)
    assert (await fetch(url))[0] == 200  # still inside its lifetime
    clock.advance(STEP + 10)
    status, body, headers = await fetch(url)
    assert status == 403 and b"link expired" in body and CONTENT not in body
    assert headers["Content-Type"].startswith("application/json")


async def test_tampered_link_is_refused(links: tuple[Stack, SteppedClock]) -> None:
    stack, _ = links
    url = await snapshot_url(stack)
    query = dict(p.split("=", 1) for p in urlsplit(url).query.split("&"))
    expires, sig = int(query["expires"]), query["sig"]
    flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
    for bad in (
        with_query(url, expires=str(expires + 86400)),  # a longer life
        with_query(url, sig=flipped),
        with_query(url, sig=""),
        with_query(url, expires="soon"),
    ):
        status, body, _ = await fetch(bad)
        assert status == 403 and b'"error"' in body and CONTENT not in body, (bad, body)
        assert b"Traceback" not in body


async def test_link_for_another_file_or_kind_is_refused(links: tuple[Stack, SteppedClock]) -> None:
    stack, _ = links
    (stack.config.storage.snapshots_dir / "camera0_other.jpg").write_bytes(b"other")
    (stack.config.storage.recordings_dir / SNAPSHOT).write_bytes(b"same name, other kind")
    info = await rpc(stack, "get_snapshot_info", {"filename": SNAPSHOT})
    query = urlsplit(info["download_url"]).query
    status, body, _ = await fetch(f"{stack.http}/files/snapshots/camera0_other.jpg?{query}")
    assert status == 403 and b"another file" in body
    status, body, _ = await fetch(f"{stack.http}/files/recordings/{SNAPSHOT}?{query}")
    assert status == 403 and b"another file" in body
    assert (await fetch(f"{stack.http}/files/snapshots/{SNAPSHOT}?{query}"))[1] == CONTENT


async def test_no_credential_is_401_with_a_challenge(links: tuple[Stack, SteppedClock]) -> None:
    stack, _ = links
    status, body, headers = await fetch(f"{stack.http}/files/snapshots/{SNAPSHOT}")
    assert status == 401 and headers["WWW-Authenticate"] == "Bearer" and b"authentication required" in body


async def test_bearer_jwt_bearer_api_key_and_x_api_key(links: tuple[Stack, SteppedClock]) -> None:
    stack, _ = links
    path = f"{stack.http}/files/snapshots/{SNAPSHOT}"
    for headers in (
        {"Authorization": f"Bearer {stack.token('viewer')}"},
        {"Authorization": "Bearer dash-key"},
        {"X-API-Key": "dash-key"},
    ):
        status, body, _ = await fetch(path, **headers)
        assert status == 200 and body == CONTENT, headers
    status, body, headers_ = await fetch(path, **{"X-API-Key": "wrong-key"})
    assert status == 401 and b"invalid token or API key" in body
    assert "invalid_token" in headers_["WWW-Authenticate"]


async def test_cors_preflight_for_an_allowed_origin(links: tuple[Stack, SteppedClock]) -> None:
    stack, _ = links
    status, body, headers = await fetch(
        f"{stack.http}/files/recordings/{RECORDING}", "OPTIONS", Origin=CONSOLE,
        **{"Access-Control-Request-Method": "GET",
           "Access-Control-Request-Headers": "authorization, range"},
    )
    assert status == 204 and body == b""
    assert headers["Access-Control-Allow-Origin"] == CONSOLE
    assert "GET" in headers["Access-Control-Allow-Methods"]
    allowed = {h.strip().lower() for h in headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "x-api-key", "range"} <= allowed
    assert int(headers["Access-Control-Max-Age"]) > 0
    assert "Access-Control-Allow-Credentials" not in headers


async def test_cors_preflight_for_another_origin_is_refused(links: tuple[Stack, SteppedClock]) -> None:
    stack, _ = links
    status, body, headers = await fetch(
        f"{stack.http}/files/recordings/{RECORDING}", "OPTIONS", Origin="https://evil.example",
        **{"Access-Control-Request-Method": "GET"},
    )
    assert status == 403 and b"origin not allowed" in body
    assert not any(h.lower().startswith("access-control-") for h in headers)


async def test_get_carries_cors_headers_for_allowed_origins_only(links: tuple[Stack, SteppedClock]) -> None:
    stack, _ = links
    url = await snapshot_url(stack)
    status, body, headers = await fetch(url, Origin=CONSOLE, Range="bytes=0-9")
    assert status == 206 and body == CONTENT[:10]
    assert headers["Access-Control-Allow-Origin"] == CONSOLE
    exposed = {h.strip() for h in headers["Access-Control-Expose-Headers"].split(",")}
    assert {"Content-Range", "Content-Length", "Accept-Ranges"} <= exposed
    assert headers["Vary"] == "Origin"
    status, _, headers = await fetch(url, Origin="https://evil.example")
    assert status == 200 and "Access-Control-Allow-Origin" not in headers
    # refusals carry CORS headers too, so the console can read the reason
    status, _, headers = await fetch(with_query(url, sig="x"), Origin=CONSOLE)
    assert status == 403 and headers["Access-Control-Allow-Origin"] == CONSOLE


async def test_links_survive_a_restart_with_the_same_secret(tmp_path: Path) -> None:
    async with api_stack(tmp_path / "one", public_host="127.0.0.1") as first:
        (first.config.storage.snapshots_dir / SNAPSHOT).write_bytes(CONTENT)
        url = await snapshot_url(first)
    # the same secret and storage, a new process and port: the link's path and query still work
    async with api_stack(tmp_path / "one", public_host="127.0.0.1") as second:
        parts = urlsplit(url)
        status, body, _ = await fetch(f"{second.http}{parts.path}?{parts.query}")
        assert status == 200 and body == CONTENT


async def test_head_on_a_signed_link_gives_the_size(links: tuple[Stack, SteppedClock]) -> None:
    stack, _ = links
    status, body, headers = await fetch(await snapshot_url(stack), "HEAD")
    assert status == 200 and body == b"" and headers["Content-Length"] == str(len(CONTENT))


async def test_configured_public_url_is_the_base_of_links(tmp_path: Path) -> None:
    async with api_stack(tmp_path, public_url="https://cams.example/camera/") as stack:
        (stack.config.storage.snapshots_dir / SNAPSHOT).write_bytes(CONTENT)
        url = await snapshot_url(stack)
        assert url.startswith(f"https://cams.example/camera/files/snapshots/{SNAPSHOT}?expires="), url
        # behind the proxy that strips /camera, the same path and query reach the file
        parts = urlsplit(url)
        path = parts.path.removeprefix("/camera")
        status, body, _ = await fetch(f"{stack.http}{path}?{parts.query}")
        assert status == 200 and body == CONTENT


async def test_one_good_credential_is_enough(links: tuple[Stack, SteppedClock]) -> None:
    stack, clock = links
    url = await snapshot_url(stack)
    status, body, _ = await fetch(url, Authorization="Bearer wrong-key")  # the link is good
    assert status == 200 and body == CONTENT
    clock.advance(TTL + STEP)
    token = stack.token("viewer")
    status, body, _ = await fetch(url, Authorization=f"Bearer {token}")  # the header is good
    assert status == 200 and body == CONTENT
    status, body, _ = await fetch(url, **{"X-API-Key": "wrong-key"})  # neither: the header's reason
    assert status == 401 and b"invalid token or API key" in body
