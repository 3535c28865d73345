"""A JSON-RPC client of the camera service over WebSocket (``websockets`` library).

Independent of the server's code: it shares nothing with ``web``/``rpc`` but the wire format.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import ssl
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from ..waits import bounded


class ClientError(Exception):
    """The server could not be reached or the connection broke."""


class RemoteError(Exception):
    """The server answered a call with a JSON-RPC error."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        self.code, self.message, self.data = code, message, data
        detail = f" {json.dumps(data)}" if data is not None else ""
        super().__init__(f"{message} ({code}){detail}")


def _connect(url: str, headers: dict[str, str], **kwargs: Any) -> Any:
    try:  # websockets >= 13
        from websockets.asyncio.client import connect
    except ImportError:  # websockets 10-12 (Debian 12 has 10.4)
        from websockets.legacy.client import connect as legacy_connect

        return legacy_connect(url, extra_headers=headers, **kwargs)
    return connect(url, additional_headers=headers, **kwargs)


def _close_text(e: ConnectionClosed) -> str:
    frame = e.rcvd or e.sent
    if frame is None:
        return "connection closed abnormally"
    return f"connection closed: {frame.code} {frame.reason}".rstrip()


class CameraClient:
    """``async with CameraClient(url, token) as c: await c.call("get_camera_list")``."""

    def __init__(
        self,
        url: str,
        token: str | None = None,
        *,
        timeout: float = 10.0,
        origin: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        max_size: int = 16 * 1024 * 1024,
    ) -> None:
        self.url = url
        self.token = token
        self.timeout = timeout
        self._headers = {"Origin": origin} if origin else {}
        self._ssl = ssl_context
        self._max_size = max_size
        self._ws: Any = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._notes: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=10000)
        self._reader: asyncio.Task[None] | None = None
        self.closed_reason: str | None = None
        self.auth: dict[str, Any] | None = None

    async def __aenter__(self) -> CameraClient:
        await self.connect()
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def connect(self) -> None:
        kwargs: dict[str, Any] = {
            "open_timeout": self.timeout,
            "max_size": self._max_size,
            "compression": None,
        }
        if self._ssl is not None:
            kwargs["ssl"] = self._ssl
        try:
            self._ws = await bounded(_connect(self.url, self._headers, **kwargs), self.timeout)
        except (TimeoutError, OSError, InvalidHandshake, InvalidURI) as e:
            raise ClientError(f"cannot connect to {self.url}: {e or type(e).__name__}") from e
        self._reader = asyncio.create_task(self._read())
        if self.token:
            self.auth = await self.call("authenticate", {"auth_token": self.token})

    async def close(self) -> None:
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await bounded(self._ws.close(), self.timeout)
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)

    def _dispatch(self, message: Any) -> None:
        if isinstance(message, list):
            for m in message:
                self._dispatch(m)
            return
        if not isinstance(message, dict):
            return
        if "method" in message and "id" not in message:
            if self._notes.full():
                self._notes.get_nowait()  # keep the newest
            self._notes.put_nowait(message)
            return
        future = self._pending.pop(message.get("id"), None)  # type: ignore[arg-type]
        if future is None or future.done():
            return
        if "error" in message:
            err = message["error"] or {}
            future.set_exception(RemoteError(err.get("code", 0), err.get("message", ""), err.get("data")))
        else:
            future.set_result(message.get("result"))

    async def _read(self) -> None:
        try:
            async for raw in self._ws:
                try:
                    self._dispatch(json.loads(raw))
                except ValueError:
                    continue
            self.closed_reason = "connection closed"
        except ConnectionClosed as e:
            self.closed_reason = _close_text(e)
        finally:
            error = ClientError(self.closed_reason or "connection closed")
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(error)
            self._pending.clear()
            with contextlib.suppress(asyncio.QueueFull):
                self._notes.put_nowait({"_closed": self.closed_reason})

    async def call(self, method: str, params: dict[str, Any] | list[Any] | None = None) -> Any:
        if self._ws is None:
            raise ClientError("not connected")
        request_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "id": request_id}
        if params:
            message["params"] = params
        try:
            await self._ws.send(json.dumps(message))
        except ConnectionClosed as e:
            self._pending.pop(request_id, None)
            raise ClientError(_close_text(e)) from e
        try:
            return await bounded(future, self.timeout)
        except TimeoutError:
            self._pending.pop(request_id, None)
            raise ClientError(f"no reply to {method} within {self.timeout:g}s") from None

    async def notifications(self) -> AsyncIterator[dict[str, Any]]:
        """Notifications as they arrive (``{"method", "params"}``); ends when the connection
        closes."""
        while True:
            note = await self._notes.get()
            if "_closed" in note:
                return
            yield note
