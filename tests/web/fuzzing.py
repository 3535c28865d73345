"""Fuzzing support: the server in its own thread and loop, random malformed frames, the
oracle that says what the JSON-RPC 2.0 specification requires back, and a client."""

from __future__ import annotations

import asyncio
import json
import random
import threading
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed

from camera_service.rpc.methods import METHODS

from .stack import TIMEOUT, Stack, api_stack, connect

MAX_MESSAGE = 1024 * 1024
EXAMPLES = 10_000


class ServerThread:
    def __init__(self, tmp: Path) -> None:
        self._tmp = tmp
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.stack: Stack | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="api-server", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as e:  # noqa: BLE001 - reported to the test
            self.error = e
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with api_stack(self._tmp, rate_limit=0, max_message_size=MAX_MESSAGE) as stack:
            self.stack = stack
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> ServerThread:
        self._thread.start()
        assert self._ready.wait(TIMEOUT * 4), "server thread did not start"
        if self.error:
            raise self.error
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(TIMEOUT * 4)
        assert not self._thread.is_alive(), "server thread did not stop"


# -- random frames (seeded, reproducible) --------------------------------------------------

METHOD_NAMES = sorted(METHODS)


def _leaf(rng: random.Random) -> Any:
    kind = rng.randrange(7)
    if kind == 0:
        return None
    if kind == 1:
        return rng.random() < 0.5
    if kind == 2:
        return rng.randint(-(2**70), 2**70)
    if kind == 3:
        return rng.uniform(-1e300, 1e300)
    if kind == 4:
        return "".join(chr(rng.randrange(32, 0x2FFF)) for _ in range(rng.randrange(12)))
    if kind == 5:
        return rng.choice(METHOD_NAMES)
    return rng.choice(["2.0", "1.0", "", "camera0", "ping"])


def json_value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth > 3 or roll < 0.6:
        return _leaf(rng)
    if roll < 0.8:
        return [json_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {str(_leaf(rng)): json_value(rng, depth + 1) for _ in range(rng.randrange(4))}


def request(rng: random.Random) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if rng.random() < 0.85:
        out["jsonrpc"] = "2.0" if rng.random() < 0.8 else json_value(rng)
    if rng.random() < 0.9:
        out["method"] = rng.choice(METHOD_NAMES) if rng.random() < 0.7 else json_value(rng)
    if rng.random() < 0.6:
        out["params"] = json_value(rng)
    if rng.random() < 0.7:
        out["id"] = json_value(rng)
    return out


def random_frame(rng: random.Random) -> str | bytes:
    kind = rng.randrange(100)
    if kind < 45:
        return json.dumps(request(rng))
    if kind < 60:
        return json.dumps([request(rng) for _ in range(rng.randrange(6))])
    if kind < 68:
        return json.dumps(json_value(rng))
    if kind < 74:  # truncated or mangled JSON
        text = json.dumps(request(rng))
        cut = rng.randrange(len(text) + 1)
        return text[:cut] + rng.choice(["", "}", "]", ",", '"', "\\", "\x00"])
    if kind < 80:
        return rng.randbytes(rng.randrange(64))
    if kind < 84:
        n = rng.randint(1, 3000)
        return "[" * n + "]" * n if rng.random() < 0.5 else '{"a":' * n + "1" + "}" * n
    if kind < 88:
        return '{"jsonrpc":"2.0","method":"ping","id":' + "9" * rng.randint(300, 6000) + "}"
    if kind < 92:
        return rng.choice(
            ["1e400", "-1e400", "NaN", "Infinity", '{"jsonrpc":"2.0","method":"ping","id":1e999}']
        )
    if kind < 93:
        n = rng.choice([MAX_MESSAGE - 64, 2 * MAX_MESSAGE])
        return '{"jsonrpc":"2.0","method":"ping","params":["' + "x" * n + '"],"id":1}'
    return (
        "".join(chr(rng.randrange(1, 0x10FFFF)) for _ in range(rng.randrange(40)))
        .encode("utf-8", "surrogatepass")
        .decode("utf-8", "replace")
    )


# -- the same, as a hypothesis strategy (also used by the pure fuzzers of tests/fuzz) -------


def hostile_text() -> Any:
    """Text that once cost superlinear time or is close to a limit: escape runs in strings
    that never close (the freeze frame of issue 24), bracket soups, nesting near the depth
    limit with strings in between."""
    from hypothesis import strategies as st

    soup = st.lists(
        st.sampled_from(['"', "\\", '\\"', "[", "]", "{", "}", ",", ":", "1", '"a"', "\\u005c", " "]),
        max_size=400,
    ).map("".join)
    freeze = st.tuples(st.integers(0, 80), st.integers(0, 8000), st.sampled_from(['\\"', "\\\\", "\\"])).map(
        lambda t: '"[]"' * t[0] + '"' + t[2] * t[1]
    )
    near_limit = st.tuples(st.integers(55, 70), st.sampled_from(["", '"]"', '"\\""', "1"])).map(
        lambda t: ("[" + t[1] + ",") * t[0] + "0" + "]" * t[0]
    )
    return st.one_of(soup, freeze, near_limit)


def frame_strategy() -> Any:
    from hypothesis import strategies as st

    leaf = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=20),
    )
    value = st.recursive(
        leaf,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=12,
    )
    method = st.one_of(st.sampled_from(sorted(METHODS)), st.text(max_size=12), value)
    request = st.fixed_dictionaries(
        {},
        optional={
            "jsonrpc": st.one_of(st.just("2.0"), value),
            "method": method,
            "params": value,
            "id": value,
        },
    )
    return st.one_of(
        request.map(json.dumps),
        st.lists(request, max_size=6).map(json.dumps),
        value.map(json.dumps),
        st.text(max_size=60),
        st.binary(max_size=60),
        hostile_text(),
        st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
        st.integers(1, 3000).map(lambda n: '{"a":' * n + "1" + "}" * n),
        st.integers(300, 6000).map(lambda n: '{"jsonrpc":"2.0","method":"ping","id":' + "9" * n + "}"),
        st.sampled_from(["1e400", "NaN", "Infinity", '{"jsonrpc":"2.0","method":"ping","id":1e999}']),
        st.sampled_from([MAX_MESSAGE - 64, 2 * MAX_MESSAGE]).map(
            lambda n: '{"jsonrpc":"2.0","method":"ping","params":["' + "x" * n + '"],"id":1}'
        ),
    )


# -- the oracle: what the specification says must come back --------------------------------


def _no_constants(name: str) -> Any:
    raise ValueError(name)


def _valid_id(v: Any) -> bool:
    if v is None or isinstance(v, str):
        return True
    if isinstance(v, bool):
        return False
    return isinstance(v, int) or (isinstance(v, float) and v not in (float("inf"), float("-inf")))


def _is_notification(obj: Any) -> bool:
    return (
        isinstance(obj, dict)
        and obj.get("jsonrpc") == "2.0"
        and isinstance(obj.get("method"), str)
        and ("params" not in obj or isinstance(obj["params"], dict | list))
        and "id" not in obj
    )


def expects_reply(frame: str | bytes) -> bool:
    if isinstance(frame, bytes):
        return True
    try:
        obj = json.loads(frame, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        return True
    if isinstance(obj, list):
        return not obj or not all(_is_notification(m) for m in obj)
    return not _is_notification(obj)


def check_response(r: Any) -> None:
    assert isinstance(r, dict) and r.get("jsonrpc") == "2.0" and "id" in r, r
    assert ("result" in r) != ("error" in r), r
    if "error" in r:
        e = r["error"]
        assert isinstance(e.get("code"), int) and isinstance(e.get("message"), str), r
        assert "Traceback" not in json.dumps(e)


def check_reply(frame: str | bytes, reply: Any) -> None:
    if isinstance(reply, list):
        assert reply, "an empty array is never a reply"
        for r in reply:
            check_response(r)
        return
    check_response(reply)
    if isinstance(frame, str):
        try:
            obj = json.loads(frame, parse_constant=_no_constants)
        except (ValueError, RecursionError):
            return
        if isinstance(obj, dict) and "id" in obj and _valid_id(obj["id"]):
            assert reply["id"] == obj["id"], (obj, reply)


class Client:
    """Sends frames and checks the replies; with a ``token`` it authenticates first on every
    connection (so the frame bounds of unauthenticated connections do not apply)."""

    def __init__(self, url: str, token: str | None = None) -> None:
        self.url = url
        self.token = token
        self.loop = asyncio.new_event_loop()
        self.ws: Any = None
        self.sent = 0
        self.closes = 0

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(asyncio.wait_for(coro, TIMEOUT * 4))

    async def _ensure(self) -> Any:
        if self.ws is None:
            self.ws = await connect(self.url, max_size=None)
            if self.token is not None:
                auth = {"jsonrpc": "2.0", "method": "authenticate", "id": 0}
                await self.ws.send(json.dumps({**auth, "params": {"auth_token": self.token}}))
                reply = json.loads(await asyncio.wait_for(self.ws.recv(), TIMEOUT))
                assert reply["result"]["authenticated"] is True, reply
        return self.ws

    async def send(self, frame: str | bytes) -> None:
        ws = await self._ensure()
        size = len(frame.encode("utf-8", "surrogatepass") if isinstance(frame, str) else frame)
        self.sent += 1
        if size > MAX_MESSAGE:
            # too big for the server: it closes with 1009 ("message too big"), possibly while
            # this side is still sending (then the socket may just be reset)
            with pytest.raises(ConnectionClosed) as closed:
                await ws.send(frame)
                await asyncio.wait_for(ws.recv(), TIMEOUT)
            rcvd = closed.value.rcvd
            assert rcvd is None or rcvd.code == 1009, rcvd
            await asyncio.wait_for(ws.close(), TIMEOUT)
            ws.transport.abort()  # the server may have reset it mid-frame: free the socket now
            self.ws, self.closes = None, self.closes + 1
            return
        await ws.send(frame)
        if expects_reply(frame):
            check_reply(frame, json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT)))
        else:
            # nothing may come back: the next frame is the reply to this ping
            await ws.send('{"jsonrpc":"2.0","method":"ping","id":"probe"}')
            reply = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
            assert reply == {"jsonrpc": "2.0", "result": "pong", "id": "probe"}

    async def ping(self, id_: str) -> Any:
        ws = await self._ensure()
        await ws.send(json.dumps({"jsonrpc": "2.0", "method": "ping", "id": id_}))
        return json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))

    def close(self) -> None:
        try:
            if self.ws is not None:
                self.run(self.ws.close())
        finally:
            self.loop.close()
