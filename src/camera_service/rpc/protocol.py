"""JSON-RPC 2.0, transport-free: one text in, one reply text (or nothing) out.

Follows https://www.jsonrpc.org/specification to the letter:

* invalid JSON → ``-32700`` with ``id: null``;
* anything that is not a Request object → ``-32600`` (``id`` echoed when it could be read,
  else ``null``);
* a Request without ``id`` is a notification: it runs, and never gets a reply, not even an
  error;
* a batch is answered by an array holding the replies of its non-notification members; an
  empty batch is one ``-32600``; a batch of notifications gets no reply at all;
* ``id`` (string, number or null) is echoed unchanged;
* errors a handler raises become error objects through ``rpc.errors.from_exception``; an
  unexpected exception is ``-32603`` with no traceback on the wire.

The ``dispatch`` coroutine receives the method name and the params (an object, an array or
``None`` when absent) and returns the result or raises. It knows nothing of JSON.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from .errors import INTERNAL_ERROR, INVALID_REQUEST, PARSE_ERROR, RpcError, from_exception
from .nesting import nests_deeper

Params = dict[str, Any] | list[Any] | None
Dispatch = Callable[[str, Params], Awaitable[Any]]

_NO_ID = object()

MAX_DEPTH = 64  # arrays/objects nested deeper than this are refused before decoding


def too_deep(text: str | bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether arrays and objects nest more than ``limit`` deep (brackets inside strings do
    not count). Decoding such a frame would recurse towards Python's recursion limit, where
    even the garbage collector's callbacks fail. Linear in the text (``nesting``)."""
    return nests_deeper(text, limit)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse(text: str | bytes) -> Any:
    """Decode a frame strictly (no NaN/Infinity, nesting at most ``MAX_DEPTH``); raises
    ``RpcError(-32700)``."""
    if too_deep(text):
        raise RpcError(PARSE_ERROR, data={"detail": f"nesting deeper than {MAX_DEPTH}"})
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError, TypeError) as e:
        detail = str(e) if not isinstance(e, RecursionError) else "nesting too deep"
        raise RpcError(PARSE_ERROR, data={"detail": detail[:200]}) from None


def encode(message: Any) -> str:
    """Compact JSON, ASCII-escaped (so lone surrogates from a client's id stay valid)."""
    return json.dumps(message, separators=(",", ":"), allow_nan=False)


def is_valid_id(value: Any) -> bool:
    if value is None or isinstance(value, str):
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value)


@dataclass(slots=True)
class Request:
    method: str
    params: Params
    id: Any = _NO_ID

    @property
    def is_notification(self) -> bool:
        return self.id is _NO_ID


def error_response(error: RpcError, id_: Any = None) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "error": error.to_json(), "id": id_}


def validate(obj: Any) -> Request:
    """A Request from one decoded member; raises ``RpcError(-32600)`` whose ``data`` holds
    the reason. The caller echoes the id it could read (see ``readable_id``)."""
    if not isinstance(obj, dict):
        raise RpcError(INVALID_REQUEST, data={"detail": "a request must be a JSON object"})
    if obj.get("jsonrpc") != "2.0":
        raise RpcError(INVALID_REQUEST, data={"detail": 'member "jsonrpc" must be exactly "2.0"'})
    method = obj.get("method")
    if not isinstance(method, str):
        raise RpcError(INVALID_REQUEST, data={"detail": 'member "method" must be a string'})
    params = obj.get("params")
    if "params" in obj and not isinstance(params, dict | list):
        raise RpcError(INVALID_REQUEST, data={"detail": 'member "params" must be an object or an array'})
    if "id" in obj:
        if not is_valid_id(obj["id"]):
            raise RpcError(INVALID_REQUEST, data={"detail": 'member "id" must be a string, a number or null'})
        return Request(method, params, obj["id"])
    return Request(method, params)


def readable_id(obj: Any) -> Any:
    """The id to put on an Invalid Request reply: the request's own when it is valid."""
    if isinstance(obj, dict) and is_valid_id(obj.get("id")):
        return obj.get("id")
    return None


async def _member(obj: Any, dispatch: Dispatch) -> str | None:
    try:
        request = validate(obj)
    except RpcError as e:
        return encode(error_response(e, readable_id(obj)))
    try:
        result = await dispatch(request.method, request.params)
    except Exception as e:  # noqa: BLE001 - every handler error becomes an error object
        if request.is_notification:
            from_exception(e, request.method)  # logs unexpected ones; no reply
            return None
        return encode(error_response(from_exception(e, request.method), request.id))
    if request.is_notification:
        return None
    try:
        return encode({"jsonrpc": "2.0", "result": result, "id": request.id})
    except (TypeError, ValueError, RecursionError) as e:
        from_exception(e, request.method)
        return encode(error_response(RpcError(INTERNAL_ERROR), request.id))


async def handle_message(message: Any, dispatch: Dispatch) -> str | None:
    """The reply to one decoded frame (a request object or a batch array)."""
    if isinstance(message, list):
        if not message:
            return encode(error_response(RpcError(INVALID_REQUEST, data={"detail": "empty batch"})))
        replies = [r for r in [await _member(m, dispatch) for m in message] if r is not None]
        return "[" + ",".join(replies) + "]" if replies else None
    return await _member(message, dispatch)


def method_names(message: Any) -> set[str]:
    """The method names a decoded frame asks for (to let a transport pick how to run it)."""
    members = message if isinstance(message, list) else [message]
    return {m["method"] for m in members if isinstance(m, dict) and isinstance(m.get("method"), str)}


async def handle(text: str | bytes, dispatch: Dispatch) -> str | None:
    """The reply to one frame, or ``None`` when nothing must be sent back."""
    try:
        message = parse(text)
    except RpcError as e:
        return encode(error_response(e))
    return await handle_message(message, dispatch)
