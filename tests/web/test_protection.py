"""Protection of the WebSocket endpoint: token expiry, rate limit, connection limit, origin
allow-list, message size, idle ping timeout, and graceful shutdown."""

from __future__ import annotations

import asyncio
import struct
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from .rawclient import RawClient
from .stack import SteppedClock, api_stack, authed, call, connect, eventually

pytestmark = pytest.mark.integration


async def test_expired_token_loses_its_role_on_the_next_call(tmp_path: Path) -> None:
    clock = SteppedClock()
    async with api_stack(tmp_path, clock=clock) as stack:
        ws = await connect(stack.url)
        token = stack.token("viewer", expires_in=60)
        assert (await call(ws, "authenticate", {"auth_token": token}))["result"]["role"] == "viewer"
        assert "result" in await call(ws, "get_camera_list")
        clock.advance(61)
        reply = await call(ws, "get_camera_list")
        assert reply["error"]["code"] == -32001
        assert reply["error"]["data"]["reason"] == "token expired"
        # the role is gone for good, even when the clock is wound back
        clock.advance(-61)
        assert (await call(ws, "get_camera_list"))["error"]["code"] == -32001
        reply = await call(ws, "authenticate", {"auth_token": token})
        assert reply["result"]["authenticated"] is True
        clock.advance(61)
        reply = await call(ws, "authenticate", {"auth_token": token})
        assert reply["error"]["data"]["reason"] == "token expired"
        await ws.close()


async def test_rate_limit_answers_32040_with_retry_after(tmp_path: Path) -> None:
    clock = SteppedClock()
    async with api_stack(tmp_path, clock=clock, rate_limit=2.0, rate_burst=3) as stack:
        ws = await connect(stack.url)
        for i in range(3):
            assert (await call(ws, "ping", id_=i))["result"] == "pong"
        reply = await call(ws, "ping", id_="over")
        assert reply["id"] == "over"
        assert reply["error"]["code"] == -32040
        assert 0 < reply["error"]["data"]["retry_after_ms"] <= 500
        clock.advance(0.5)
        assert (await call(ws, "ping"))["result"] == "pong"
        # another connection has its own bucket
        other = await connect(stack.url)
        assert (await call(other, "ping"))["result"] == "pong"
        assert stack.ctx.metrics.rate_limited == 1
        await ws.close()
        await other.close()


async def test_connections_over_the_limit_are_refused(tmp_path: Path) -> None:
    # max_connections counts authenticated connections (unauthenticated ones: test_admission)
    async with api_stack(tmp_path, max_connections=2) as stack:
        first, second = await authed(stack), await authed(stack)
        with pytest.raises(InvalidHandshake) as refused:
            await connect(stack.url)
        assert "503" in str(refused.value)
        assert stack.ctx.metrics.rejected_connections == 1
        await first.close()
        await eventually(lambda: stack.server.connections == 1, "a slot to free up")
        third = await connect(stack.url)
        assert (await call(third, "ping"))["result"] == "pong"
        await second.close()
        await third.close()


@pytest.mark.parametrize(
    "origin,allowed",
    [
        (None, True),  # not a browser
        ("https://dash.example", True),
        ("https://DASH.example/", True),
        ("https://evil.example", False),
        ("null", False),
    ],
)
async def test_browser_origins_must_be_allowed(tmp_path: Path, origin: str | None, allowed: bool) -> None:
    async with api_stack(tmp_path, allowed_origins=("https://dash.example",)) as stack:
        if allowed:
            ws = await connect(stack.url, origin=origin)
            assert (await call(ws, "ping"))["result"] == "pong"
            await ws.close()
        else:
            with pytest.raises(InvalidHandshake) as refused:
                await connect(stack.url, origin=origin)
            assert "403" in str(refused.value)


async def test_same_origin_page_is_allowed(stack) -> None:  # type: ignore[no-untyped-def]
    ws = await connect(stack.url, origin=f"http://127.0.0.1:{stack.server.port}")
    assert (await call(ws, "ping"))["result"] == "pong"
    await ws.close()


async def test_message_over_the_size_limit_closes_with_1009(tmp_path: Path) -> None:
    async with api_stack(tmp_path, max_message_size=1024) as stack:
        ws = await connect(stack.url)
        assert (await call(ws, "ping", ["x" * 900]))["error"]["code"] == -32602
        with pytest.raises(ConnectionClosed) as closed:
            await call(ws, "ping", ["x" * 2048])
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
        other = await connect(stack.url)
        assert (await call(other, "ping"))["result"] == "pong"
        await other.close()


async def test_client_that_never_answers_pings_is_closed_1011(tmp_path: Path) -> None:
    async with api_stack(tmp_path, ping_interval=0.2, ping_timeout=0.3) as stack:
        raw = await RawClient.connect(stack.server.port)
        seen = []
        while True:  # read, but never pong; every read is bounded
            opcode, payload = await raw.recv_frame()
            seen.append(opcode)
            if opcode == 0x8:
                break
        assert 0x9 in seen  # the server pinged
        assert struct.unpack("!H", payload[:2])[0] == 1011
        assert b"ping timeout" in payload
        raw.close()
        await eventually(lambda: stack.server.connections == 0, "the connection to go")


async def test_client_answering_pings_stays_connected(tmp_path: Path) -> None:
    async with api_stack(tmp_path, ping_interval=0.1, ping_timeout=0.2) as stack:
        ws = await connect(stack.url)  # websockets answers pings by itself
        await eventually(lambda: stack.ctx.metrics.total_connections == 1, "connect")
        await asyncio.sleep(0.6)  # several ping rounds (a wait for pings, not a timing check)
        assert (await call(ws, "ping"))["result"] == "pong"
        await ws.close()


async def test_shutdown_closes_clients_with_1001(tmp_path: Path) -> None:
    async with api_stack(tmp_path) as stack:
        ws = await authed(stack, "viewer")
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001


async def test_binary_frame_gets_a_parse_error(stack) -> None:  # type: ignore[no-untyped-def]
    ws = await connect(stack.url)
    await ws.send(b'{"jsonrpc":"2.0","method":"ping","id":1}')
    import json

    reply = json.loads(await asyncio.wait_for(ws.recv(), 5))
    assert reply["error"]["code"] == -32700 and reply["id"] is None
    await ws.close()
