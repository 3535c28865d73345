"""The Host check against DNS rebinding: the pure decision, and a real server refusing a
rebinding name on every route but ``/health``."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
from websockets.exceptions import InvalidHandshake

from camera_service.config.model import ServerConfig
from camera_service.web.hosts import allowed_names, host_allowed, host_name, machine_names, origin_of
from camera_service.web.security import origin_allowed

from .rawclient import RawClient
from .stack import api_stack, call, connect


@pytest.mark.unit
@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("cams.example", "cams.example"),
        ("Cams.Example.:8002", "cams.example"),
        ("[::1]:8002", "::1"),
        ("[fe80::1%25eth0]", "fe80::1%25eth0"),
        ("::1", "::1"),
        ("127.0.0.1:80", "127.0.0.1"),
        (" localhost ", "localhost"),
    ],
)
def test_host_name(header: str, name: str) -> None:
    assert host_name(header) == name


CONFIG = ServerConfig(
    host="0.0.0.0",
    public_host="cam.lan",
    public_url="https://cams.example/camera",
    allowed_hosts=("pi.local", "*.corp.example"),
)


@pytest.mark.unit
@pytest.mark.parametrize(
    ("header", "ok"),
    [
        (None, True),  # HTTP/1.0, not a browser
        ("cam.lan:8002", True),  # public_host
        ("CAMS.example", True),  # public_url's host
        ("pi.local.", True),  # allowed_hosts
        ("a.corp.example", True),  # *.corp.example
        ("corp.example", False),  # the pattern is for names under it
        ("evilcorp.example", False),
        ("localhost:8002", True),
        ("app.localhost", True),  # RFC 6761: always loopback
        ("127.0.0.1:8002", True),  # any address literal: rebinding needs a name
        ("192.0.2.10", True),
        ("[::1]:8002", True),
        ("[2001:db8::5]", True),
        ("evil.example", False),
        ("evil.example:8002", False),
        ("0.0.0.0.evil.example", False),
        ("127.0.0.1.nip.io", False),
        ("", False),
        ("2130706433", False),  # 127.0.0.1 as one number: not an address literal here
    ],
)
def test_only_names_of_the_service_are_served(header: str | None, ok: bool) -> None:
    assert host_allowed(header, allowed_names(CONFIG)) is ok


@pytest.mark.unit
def test_names_come_from_the_configuration() -> None:
    assert allowed_names(ServerConfig()) == {"localhost"}
    assert allowed_names(ServerConfig(host="10.0.0.5", public_host="Cam.Lan.")) == {
        "localhost", "10.0.0.5", "cam.lan"
    }
    assert host_allowed("anything.example", allowed_names(ServerConfig(allowed_hosts=("*",))))
    assert allowed_names(ServerConfig(), ("campi", "campi.local")) == {"localhost", "campi", "campi.local"}


@pytest.mark.unit
@pytest.mark.parametrize(
    ("origin", "scheme", "ok"),
    [
        ("http://h:1", "http", True),
        ("https://h:1", "https", True),
        ("http://h:1", "https", False),  # a plain-text page is not the TLS service
        ("https://h:1", "http", False),
        ("HTTP://H:1/", "http", True),
        ("https://cams.example", "http", True),  # public_url's origin, behind a TLS proxy
        ("http://cams.example", "http", False),
        ("https://cams.example:444", "http", False),
    ],
)
def test_own_origin_needs_the_scheme_too(origin: str, scheme: str, ok: bool) -> None:
    own = (origin_of("https://cams.example/camera"),)
    assert origin_allowed(origin, "h:1", (), scheme, own) is ok


@pytest.mark.unit
def test_origin_of() -> None:
    assert origin_of("https://Cams.Example:8443/camera/") == "https://cams.example:8443"
    assert origin_of(None) is None and origin_of("not a url") is None


# -- a real server ---------------------------------------------------------------------------


@pytest.mark.integration
async def test_rebinding_host_is_refused_421_except_health(tmp_path: Path) -> None:
    async with api_stack(tmp_path, public_host="cam.lan") as stack:
        evil = {"Host": f"evil.example:{stack.server.port}"}
        async with aiohttp.ClientSession() as http:
            for path in ("/", "/ws", "/metrics", "/files/snapshots/a.jpg", "/mediamtx/auth"):
                async with http.get(stack.http + path, headers=evil) as r:
                    assert r.status == 421, path
                    assert "server.allowed_hosts" in await r.text()
            for path in ("/health", "/health/ready"):
                async with http.get(stack.http + path, headers=evil) as r:
                    assert r.status in (200, 503), path  # exempt: monitors use any name
            own = machine_names()  # the machine's own name, as a home network reaches it
            for host in ("cam.lan", f"localhost:{stack.server.port}", f"127.0.0.1:{stack.server.port}", *own):
                async with http.get(stack.http + "/", headers={"Host": host}) as r:
                    assert r.status == 200, host
            # a real upgrade, as a rebinding page would send it (the issue saw 101 here)
            page = {**evil, "Origin": f"http://evil.example:{stack.server.port}"}
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(stack.url, headers=page)
            assert refused.value.status == 421
        raw = await RawClient.connect(stack.server.port, host=f"cam.lan:{stack.server.port}")
        await raw.send_json({"jsonrpc": "2.0", "method": "ping", "id": 1})
        assert (await raw.recv_json())["result"] == "pong"
        raw.close()


@pytest.mark.integration
async def test_page_on_the_other_scheme_is_refused(tmp_path: Path) -> None:
    async with api_stack(tmp_path) as stack:
        with pytest.raises(InvalidHandshake) as refused:
            await connect(stack.url, origin=f"https://127.0.0.1:{stack.server.port}")
        assert "403" in str(refused.value)
        ws = await connect(stack.url, origin=f"http://127.0.0.1:{stack.server.port}")
        assert (await call(ws, "ping"))["result"] == "pong"
        await ws.close()
