"""``POST /mediamtx/auth`` over HTTP on the real server: the whole matrix, 200/401 only,
403 to peers outside loopback (a network namespace made by the test), one log line per
session, counters in ``/metrics``, and ``get_stream_url`` tokens MediaMTX would accept."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from camera_service.credentials import InternalCredentials
from camera_service.web.stream_auth import payload
from camera_service.web.stream_auth_route import PATH

from .stack import TIMEOUT, Stack, api_stack, authed, call, usb_camera
from .stream_auth_cases import KEY_FILE, KINDS, PROTOCOLS, expected, request_body

pytestmark = pytest.mark.integration

INTERNAL = InternalCredentials.generate()


@pytest.fixture
async def guarded(tmp_path: Path) -> AsyncIterator[Stack]:
    keys = tmp_path / "keys.yaml"
    keys.write_text(KEY_FILE)
    async with api_stack(tmp_path, internal=INTERNAL, api_key_file=keys, host="0.0.0.0") as s:
        s.registry.upsert(usb_camera(0))
        yield s


async def post(stack: Stack, body: Any, raw: bytes | None = None) -> int:
    data = raw if raw is not None else json.dumps(body).encode()
    async with aiohttp.ClientSession() as http, http.post(
        stack.http + PATH, data=data, headers={"Content-Type": "application/json"},
        timeout=aiohttp.ClientTimeout(total=TIMEOUT),
    ) as r:
        return r.status


@pytest.mark.parametrize("action", ["publish", "read", "playback", "api", "metrics", "pprof"])
async def test_every_protocol_and_credential_kind_over_http(guarded: Stack, action: str) -> None:
    # tokens are minted for the server's real clock
    now = guarded.ctx.clock.time()
    wrong = []
    for protocol in PROTOCOLS:
        for kind in KINDS:
            status = await post(guarded, request_body(action, protocol, kind, INTERNAL, now=now))
            want = 200 if expected(kind, action) else 401
            if status != want:
                wrong.append((protocol, kind, status, want))
    assert not wrong, wrong


async def test_unreadable_requests_get_401_not_an_error_page(guarded: Stack) -> None:
    assert await post(guarded, None, raw=b"{not json") == 401
    assert await post(guarded, {"action": "launch"}) == 401
    assert await post(guarded, None, raw=b"\xff\xfe") == 401
    assert await post(guarded, None, raw=json.dumps(payload(token="x" * 40_000)).encode()) == 401


async def test_a_session_is_logged_once_with_the_reason(
    guarded: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="camera_service.web.stream_auth_route")
    body = payload(action="read", protocol="hls", path="camera0", ip="192.0.2.9", id="sess-1",
                   token="forged")
    for _ in range(3):  # HLS asks on every request of a session
        assert await post(guarded, body) == 401
    refused = [r for r in caplog.records if r.getMessage().startswith("refused read")]
    assert len(refused) == 1 and "invalid token or API key" in refused[0].getMessage()
    assert "sess-1" in refused[0].getMessage()
    viewer = guarded.token("viewer")
    assert await post(guarded, {**body, "id": "sess-2", "token": viewer}) == 200
    assert [r.getMessage() for r in caplog.records if "sess-2" in r.getMessage()] == [
        "allowed read 'camera0' over hls from 192.0.2.9: viewer t (session sess-2)"]


async def test_decisions_are_counted_in_metrics(guarded: Stack) -> None:
    viewer = guarded.token("viewer")
    assert await post(guarded, payload(action="read", path="camera0", token=viewer)) == 200
    assert await post(guarded, payload(action="publish", path="camera0", ip="127.0.0.1")) == 401
    async with aiohttp.ClientSession() as http, http.get(guarded.http + "/metrics") as r:
        text = await r.text()
    assert 'camera_service_stream_auth_decisions_total{action="read",result="allowed"} 1.0' in text
    assert 'camera_service_stream_auth_decisions_total{action="publish",result="refused"} 1.0' in text
    assert "camera_service_stream_auth_duration_seconds_count 2.0" in text


async def test_stream_url_with_token_is_accepted_by_the_endpoint(guarded: Stack) -> None:
    ws = await authed(guarded, "viewer")
    try:
        plain = (await call(ws, "get_stream_url", {"device": "camera0"}))["result"]
        tokened = (await call(ws, "get_stream_url", {"device": "camera0", "with_token": True},
                              id_=2))["result"]
    finally:
        await ws.close()
    assert "@" not in plain["stream_url"] and "jwt=" not in json.dumps(plain)
    assert "stream_url_with_token" not in plain
    assert tokened["stream_url"] == plain["stream_url"]  # the secret-free one stays
    assert 0 < tokened["token_expires_in"] <= 600
    rtsp = urlsplit(tokened["stream_url_with_token"])
    assert rtsp.username == "viewer" and rtsp.password
    assert await post(guarded, payload(action="read", protocol="rtsp", path="camera0",
                                       user=rtsp.username, password=rtsp.password)) == 200
    hls = urlsplit(tokened["streams_with_token"]["hls"])
    assert await post(guarded, payload(action="read", protocol="hls", path="camera0",
                                       query=hls.query)) == 200


# --- from outside loopback -------------------------------------------------------------------

@contextlib.contextmanager
def network_namespace() -> Iterator[tuple[str, str]]:
    """A network namespace joined to this one by a veth pair: ``(namespace, our address)``.
    Removed afterwards (deleting the namespace deletes both ends of the pair)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to make a network namespace (ip netns add): run as root")
    if shutil.which("ip") is None:
        pytest.skip("needs iproute2 (`ip`) to make a network namespace")
    tag = secrets.token_hex(3)
    ns, here, there = f"cs-sa-{tag}", f"csa{tag}h", f"csa{tag}n"
    octet = 16 + secrets.randbelow(200)
    ours, theirs = f"10.213.{octet}.1", f"10.213.{octet}.2"

    def ip(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=10, check=False)

    made = ip("netns", "add", ns)
    if made.returncode != 0:
        pytest.skip(f"cannot make a network namespace here: {made.stderr.strip()}")
    try:
        for args in (("link", "add", here, "type", "veth", "peer", "name", there),
                     ("link", "set", there, "netns", ns),
                     ("addr", "add", f"{ours}/30", "dev", here),
                     ("link", "set", here, "up"),
                     ("-n", ns, "addr", "add", f"{theirs}/30", "dev", there),
                     ("-n", ns, "link", "set", there, "up"),
                     ("-n", ns, "link", "set", "lo", "up")):
            step = ip(*args)
            assert step.returncode == 0, (args, step.stderr)
        yield ns, ours
    finally:
        ip("netns", "del", ns)
        ip("link", "del", here)  # gone with the namespace already, unless a step failed early


CLIENT = """
import json, sys, urllib.error, urllib.request
req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(),
                             headers={"Content-Type": "application/json"})
try:
    print(urllib.request.urlopen(req, timeout=5).status)
except urllib.error.HTTPError as e:
    print(e.code)
"""


async def test_requests_from_outside_loopback_are_refused_before_any_decision(guarded: Stack) -> None:
    # the payload claims loopback and carries a good credential: the peer address decides
    body = json.dumps(request_body("publish", "rtsp", "internal", INTERNAL))
    with network_namespace() as (ns, ours):
        url = f"http://{ours}:{guarded.server.port}{PATH}"
        proc = await asyncio.create_subprocess_exec(
            "ip", "netns", "exec", ns, sys.executable, "-c", CLIENT, url, body,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), 3 * TIMEOUT)
    assert out.decode().strip() == "403", err.decode()
    assert guarded.server.stream_auth.metrics.refused_peers == 1
    assert guarded.server.stream_auth.metrics.decisions == {}
    # the same request from loopback is let in
    assert await post(guarded, json.loads(body)) == 200
