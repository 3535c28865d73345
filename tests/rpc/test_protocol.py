"""The transport-free JSON-RPC 2.0 core, with a plain dispatch function (no I/O)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from camera_service.errors import CameraNotFound, InvalidParams, MediaMTXUnavailable
from camera_service.rpc import protocol
from camera_service.rpc.errors import RpcError

pytestmark = pytest.mark.unit

calls: list[tuple[str, Any]] = []


async def dispatch(method: str, params: Any) -> Any:
    calls.append((method, params))
    if method == "subtract":
        if isinstance(params, list):
            return params[0] - params[1]
        return params["minuend"] - params["subtrahend"]
    if method == "boom":
        raise ZeroDivisionError("secret detail")
    if method == "camera":
        raise CameraNotFound("camera9")
    if method == "mtx":
        raise MediaMTXUnavailable("connection refused")
    if method == "bad":
        raise InvalidParams("device", "device must be a string")
    if method == "nan":
        return float("nan")
    if method == "object":
        return object()
    if method in ("notify", "ping"):
        return "pong"
    raise RpcError(-32601, data={"method": method})


async def handle(text: str | bytes) -> Any:
    reply = await protocol.handle(text, dispatch)
    return None if reply is None else json.loads(reply)


async def test_positional_and_named_params() -> None:
    assert await handle('{"jsonrpc":"2.0","method":"subtract","params":[42,23],"id":1}') == {
        "jsonrpc": "2.0",
        "result": 19,
        "id": 1,
    }
    assert await handle(
        '{"jsonrpc":"2.0","method":"subtract","params":{"subtrahend":23,"minuend":42},"id":3}'
    ) == {"jsonrpc": "2.0", "result": 19, "id": 3}


async def test_notification_runs_but_gets_no_reply() -> None:
    calls.clear()
    assert await handle('{"jsonrpc":"2.0","method":"notify","params":[1,2]}') is None
    assert await handle('{"jsonrpc":"2.0","method":"boom"}') is None  # even on errors
    assert [c[0] for c in calls] == ["notify", "boom"]


async def test_parse_error_has_null_id() -> None:
    reply = await handle('{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]')
    assert reply["error"]["code"] == -32700 and reply["id"] is None


@pytest.mark.parametrize("text", ["NaN", "[Infinity]", '{"a": -Infinity}', "\x00", "", "[" * 100000])
async def test_non_json_is_parse_error(text: str) -> None:
    assert (await handle(text))["error"]["code"] == -32700


async def test_nesting_deeper_than_the_limit_is_refused_before_decoding() -> None:
    deep = "[" * (protocol.MAX_DEPTH + 1) + "]" * (protocol.MAX_DEPTH + 1)
    reply = await handle(deep)
    assert reply["error"]["code"] == -32700 and reply["id"] is None
    assert reply["error"]["data"]["detail"] == f"nesting deeper than {protocol.MAX_DEPTH}"
    at_limit = '{"jsonrpc":"2.0","method":"ping","params":' + "[" * 63 + "]" * 63 + ',"id":1}'
    assert (await handle(at_limit))["result"] == "pong"


@pytest.mark.parametrize(
    ("text", "deep"),
    [
        ("[" * 65 + "]" * 65, True),
        ("[" * 64 + "]" * 64, False),
        ('{"a": "' + "[" * 100 + '"}', False),  # brackets in a string do not count
        ('{"a": "\\\\"}' + "[" * 65, True),  # an escaped backslash ends the string
        ('{"a": "\\"}' + "[" * 65, False),  # an escaped quote does not: the string never closes
        ('{"a": "\\"[[[["}', False),
        (b"[" * 65, True),
        ("\ud800" + "{" * 65, True),
    ],
)
def test_too_deep_counts_only_brackets_outside_strings(text: str | bytes, deep: bool) -> None:
    assert protocol.too_deep(text) is deep


async def test_huge_integer_id_is_echoed() -> None:
    big = 10**200
    assert (await handle(json.dumps({"jsonrpc": "2.0", "method": "ping", "id": big})))["id"] == big


async def test_number_too_long_to_parse_is_parse_error() -> None:
    assert (await handle('{"jsonrpc":"2.0","method":"ping","id":' + "9" * 5000 + "}"))["error"][
        "code"
    ] == -32700


async def test_invalid_request_echoes_a_readable_id() -> None:
    reply = await handle('{"jsonrpc":"2.0","method":1,"id":"x"}')
    assert reply["error"]["code"] == -32600 and reply["id"] == "x"
    reply = await handle('{"jsonrpc":"2.0","method":"ping","id":[1]}')
    assert reply["error"]["code"] == -32600 and reply["id"] is None


async def test_infinite_float_id_is_invalid() -> None:
    reply = await handle('{"jsonrpc":"2.0","method":"ping","id":1e999}')
    assert reply["error"]["code"] == -32600 and reply["id"] is None


async def test_batches() -> None:
    assert (await handle("[]"))["error"]["code"] == -32600
    assert [r["error"]["code"] for r in await handle("[1,2,3]")] == [-32600] * 3
    assert await handle('[{"jsonrpc":"2.0","method":"notify"},{"jsonrpc":"2.0","method":"notify"}]') is None
    reply = await handle('[{"jsonrpc":"2.0","method":"ping","id":1},{"jsonrpc":"2.0","method":"notify"}]')
    assert reply == [{"jsonrpc": "2.0", "result": "pong", "id": 1}]


async def test_internal_errors_never_show_a_traceback(caplog: pytest.LogCaptureFixture) -> None:
    reply = await handle('{"jsonrpc":"2.0","method":"boom","id":1}')
    assert reply == {"jsonrpc": "2.0", "error": {"code": -32603, "message": "Internal error"}, "id": 1}
    assert "ZeroDivisionError" in caplog.text  # logged on the server side only


async def test_unserialisable_results_are_internal_errors() -> None:
    assert (await handle('{"jsonrpc":"2.0","method":"nan","id":1}'))["error"]["code"] == -32603
    assert (await handle('{"jsonrpc":"2.0","method":"object","id":1}'))["error"]["code"] == -32603


async def test_domain_errors_map_to_api_codes() -> None:
    reply = await handle('{"jsonrpc":"2.0","method":"camera","id":1}')
    assert reply["error"] == {
        "code": -32010,
        "message": "Camera not found: camera9 (get_camera_list lists the known cameras)",
        "data": {"resource": "camera", "id": "camera9"},
    }
    reply = await handle('{"jsonrpc":"2.0","method":"mtx","id":1}')
    assert reply["error"]["code"] == -32050
    assert reply["error"]["data"] == {"dependency": "mediamtx", "detail": "connection refused"}
    reply = await handle('{"jsonrpc":"2.0","method":"bad","id":1}')
    assert reply["error"]["code"] == -32602 and reply["error"]["data"] == {"param": "device"}


async def test_lone_surrogate_in_id_is_escaped_in_the_reply() -> None:
    text = await protocol.handle('{"jsonrpc":"2.0","method":"ping","id":"\\ud800"}', dispatch)
    assert text is not None and "\\ud800" in text
    text.encode("utf-8")  # valid UTF-8 for a WebSocket text frame
