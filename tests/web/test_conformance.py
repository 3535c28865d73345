"""Every example of the JSON-RPC 2.0 specification, over a real WebSocket, adapted to this
API's methods (``subtract``/``sum`` become ``get_camera_capabilities``/``ping``, the
spec's unknown methods stay unknown)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .stack import Stack, authed, call, exchange, usb_camera

pytestmark = pytest.mark.integration

CAPS = {
    "device": "camera0",
    "formats": ["MJPG"],
    "resolutions": ["1280x720"],
    "fps_options": [30],
    "validation_status": "NONE",
}


@pytest.fixture
async def ws(stack: Stack):  # type: ignore[no-untyped-def]
    stack.registry.upsert(usb_camera(0))
    ws = await authed(stack, "viewer")
    yield ws
    await ws.close()


async def assert_no_reply(ws) -> None:  # type: ignore[no-untyped-def]
    """Nothing was sent for what came before: the next frame is the reply to a fresh ping."""
    assert await call(ws, "ping", id_="after") == {"jsonrpc": "2.0", "result": "pong", "id": "after"}


async def test_call_with_positional_parameters(ws) -> None:  # type: ignore[no-untyped-def]
    reply = await exchange(
        ws, '{"jsonrpc": "2.0", "method": "get_camera_capabilities", "params": ["camera0"], "id": 1}'
    )
    assert reply == {"jsonrpc": "2.0", "result": CAPS, "id": 1}


async def test_call_with_named_parameters(ws) -> None:  # type: ignore[no-untyped-def]
    reply = await exchange(
        ws,
        '{"jsonrpc": "2.0", "method": "get_camera_capabilities", "params": {"device": "camera0"}, "id": 3}',
    )
    assert reply == {"jsonrpc": "2.0", "result": CAPS, "id": 3}


async def test_notifications_get_no_reply(ws) -> None:  # type: ignore[no-untyped-def]
    await ws.send('{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}')
    await ws.send('{"jsonrpc": "2.0", "method": "foobar"}')
    await ws.send('{"jsonrpc": "2.0", "method": "ping"}')
    await assert_no_reply(ws)


async def test_non_existent_method(ws) -> None:  # type: ignore[no-untyped-def]
    reply = await exchange(ws, '{"jsonrpc": "2.0", "method": "foobar", "id": "1"}')
    assert reply["id"] == "1"
    assert reply["error"]["code"] == -32601
    assert reply["error"]["message"] == "Method not found"


async def test_invalid_json(ws) -> None:  # type: ignore[no-untyped-def]
    reply = await exchange(ws, '{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]')
    assert reply["id"] is None and reply["error"]["code"] == -32700
    assert reply["error"]["message"] == "Parse error"


async def test_invalid_request_object(ws) -> None:  # type: ignore[no-untyped-def]
    reply = await exchange(ws, '{"jsonrpc": "2.0", "method": 1, "params": "bar"}')
    assert reply["id"] is None and reply["error"]["code"] == -32600
    assert reply["error"]["message"] == "Invalid Request"


async def test_batch_with_invalid_json(ws) -> None:  # type: ignore[no-untyped-def]
    reply = await exchange(
        ws, '[{"jsonrpc": "2.0", "method": "ping", "params": [1,2,4], "id": "1"},{"jsonrpc": "2.0", "method"]'
    )
    assert isinstance(reply, dict) and reply["error"]["code"] == -32700 and reply["id"] is None


async def test_empty_batch_is_one_invalid_request(ws) -> None:  # type: ignore[no-untyped-def]
    reply = await exchange(ws, "[]")
    assert isinstance(reply, dict) and reply["error"]["code"] == -32600 and reply["id"] is None


@pytest.mark.parametrize("frame,count", [("[1]", 1), ("[1,2,3]", 3)])
async def test_invalid_batch_members_each_get_an_error(ws, frame: str, count: int) -> None:  # type: ignore[no-untyped-def]
    reply = await exchange(ws, frame)
    assert isinstance(reply, list) and len(reply) == count
    for r in reply:
        assert r["jsonrpc"] == "2.0" and r["id"] is None and r["error"]["code"] == -32600


async def test_mixed_batch(ws) -> None:  # type: ignore[no-untyped-def]
    frame = json.dumps(
        [
            {"jsonrpc": "2.0", "method": "ping", "id": "1"},
            {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
            {"jsonrpc": "2.0", "method": "get_camera_capabilities", "params": ["camera0"], "id": "2"},
            {"foo": "boo"},
            {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"},
            {"jsonrpc": "2.0", "method": "get_camera_list", "id": "9"},
        ]
    )
    reply = await exchange(ws, frame)
    assert isinstance(reply, list) and len(reply) == 5
    by_id: dict[object, list[dict[str, Any]]] = {}  # decoded JSON replies
    for r in reply:
        by_id.setdefault(r["id"], []).append(r)
    assert by_id["1"] == [{"jsonrpc": "2.0", "result": "pong", "id": "1"}]
    assert by_id["2"] == [{"jsonrpc": "2.0", "result": CAPS, "id": "2"}]
    assert by_id[None][0]["error"]["code"] == -32600
    assert by_id["5"][0]["error"]["code"] == -32601
    assert by_id["9"][0]["result"]["total"] == 1


async def test_batch_of_notifications_gets_no_reply(ws) -> None:  # type: ignore[no-untyped-def]
    await ws.send(
        json.dumps(
            [
                {"jsonrpc": "2.0", "method": "notify_sum", "params": [1, 2, 4]},
                {"jsonrpc": "2.0", "method": "notify_hello", "params": [7]},
            ]
        )
    )
    await assert_no_reply(ws)


@pytest.mark.parametrize("id_", ["abc", "", 0, -7, 12345678901234567890123, 1.5, None, "ü\u2028"])
async def test_id_is_echoed_unchanged(ws, id_: object) -> None:  # type: ignore[no-untyped-def]
    reply = await exchange(ws, json.dumps({"jsonrpc": "2.0", "method": "ping", "id": id_}))
    assert reply == {"jsonrpc": "2.0", "result": "pong", "id": id_}


@pytest.mark.parametrize(
    "frame",
    [
        '{"jsonrpc": "1.0", "method": "ping", "id": 1}',
        '{"method": "ping", "id": 1}',
        '{"jsonrpc": "2.0", "method": "ping", "params": "x", "id": 1}',
        '{"jsonrpc": "2.0", "method": "ping", "params": 3, "id": 1}',
        '{"jsonrpc": "2.0", "method": "ping", "id": {"a": 1}}',
        '{"jsonrpc": "2.0", "method": "ping", "id": true}',
        '"ping"',
    ],
)
async def test_malformed_requests_are_invalid(ws, frame: str) -> None:  # type: ignore[no-untyped-def]
    reply = await exchange(ws, frame)
    assert reply["error"]["code"] == -32600, reply


async def test_invalid_params_name_the_parameter(ws) -> None:  # type: ignore[no-untyped-def]
    reply = await call(ws, "get_camera_status", {"device": 7})
    assert reply["error"]["code"] == -32602
    assert reply["error"]["data"]["param"] == "device"
    reply = await call(ws, "list_recordings", {"limit": 5000})
    assert reply["error"]["data"]["param"] == "limit"
    reply = await call(ws, "get_camera_capabilities", ["camera0", "extra"])
    assert reply["error"]["code"] == -32602
