"""One WebSocket client: its session, bounded send queue, reader, writer and keep-alive.

Replies and notifications share one bounded queue drained by a writer task, so a client that
does not read fills only its own queue; when it is full the client is dropped (1008) and no
one else waits. A send that stays blocked longer than ``ping_timeout``, or a ping left
unanswered that long, drops the client with 1011.

A reply goes out before any notification its request caused. The bus does not say which
request caused a notification (a recording's end is published from the recorder's own task),
so the connection holds back every notification published while one of its requests is in
flight: each held notification waits for the requests that were in flight when it was
published, and is sent right after the last of their replies, in publishing order. A request
therefore delays only the notifications published during it; held notifications count
against the send queue's bound like queued ones.

Until it authenticates, a connection is on probation (``admission``): its frames are
counted and size-checked before they are decoded, and it is closed (4001) when
``server.auth_timeout`` passes first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from typing import Any

from aiohttp import WSMsgType, web

from ..config.model import ServerConfig
from ..rpc import protocol
from ..rpc.errors import PARSE_ERROR, RpcError
from ..rpc.methods import WAITING, Dispatcher
from ..rpc.metrics import ApiMetrics
from ..rpc.session import Session
from ..waits import bounded
from .admission import CLOSE_AUTH_TIMEOUT, Admission, Probation
from .frames import text_frame

log = logging.getLogger(__name__)

MAX_IN_FLIGHT = 32  # requests of one client handled at once; the reader waits beyond that
CLOSE_TIMEOUT = 2.0  # seconds for a close handshake before the socket is aborted

_BINARY_REPLY = protocol.encode(
    protocol.error_response(
        RpcError(PARSE_ERROR, data={"detail": "binary frames are not accepted; send JSON text"})
    )
)


class Connection:
    def __init__(
        self,
        request: web.Request,
        ws: web.WebSocketResponse,
        dispatcher: Dispatcher,
        session: Session,
        config: ServerConfig,
        metrics: ApiMetrics,
        admission: Admission[Connection] | None = None,
    ) -> None:
        """``admission`` counts this connection apart while it is unauthenticated (and
        bounds its frames); without one it is trusted from the start."""
        self.ws = ws
        self.session = session
        self.peer = request.remote or "?"
        self._transport = request.transport
        self._dispatcher = dispatcher
        self._config = config
        self._metrics = metrics
        self._queue: asyncio.Queue[str] = asyncio.Queue(maxsize=max(1, config.send_queue_size))
        self._slots = asyncio.Semaphore(MAX_IN_FLIGHT)
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False
        self._closer: asyncio.Task[None] | None = None
        self._last_rx = time.monotonic()
        self._send_started: float | None = None
        self.close_code: int | None = None
        self.close_reason = ""
        self._in_flight: set[int] = set()  # requests being handled, by number
        self._next_request = 0
        self._held: deque[tuple[str, set[int]]] = deque()  # notification, requests it waits for
        self._probation: Probation[Connection] = Probation(admission, self)

    @property
    def closing(self) -> bool:
        return self._closing

    # -- sending ----------------------------------------------------------------------------
    def offer(self, text: str) -> bool:
        """Queue a frame without waiting; a full queue drops the client (1008)."""
        if self._closing:
            return False
        try:
            self._queue.put_nowait(text)
        except asyncio.QueueFull:
            self.drop(1008, "send queue full: client too slow", slow=True)
            return False
        return True

    def push(self, text: str, frame: bytes) -> bool:
        """Send a notification: written straight to the socket when this client is idle
        (nothing queued, nothing being sent, nothing buffered), else queued behind the rest.
        ``frame`` is ``text`` already framed (shared by every client)."""
        if self._closing or self.ws.closed:
            return False
        if self._in_flight or self._held:
            if len(self._held) + self._queue.qsize() >= self._queue.maxsize:
                self.drop(1008, "send queue full: client too slow", slow=True)
                return False
            self._held.append((text, set(self._in_flight)))
            return True
        if (t := self._idle_transport()) is not None:
            t.write(frame)
            return True
        return self.offer(text)

    # -- replies before the notifications they caused ----------------------------------------
    def _begin(self) -> int:
        number = self._next_request
        self._next_request += 1
        self._in_flight.add(number)
        return number

    def _end(self, number: int, reply: str | None) -> None:
        """Send ``reply`` (if any), then every held notification no longer waiting for a
        request in flight."""
        if reply is not None:
            self._reply(reply)
        self._in_flight.discard(number)
        for _, waiting in self._held:
            waiting.discard(number)
        while self._held and not self._held[0][1]:
            self._reply(self._held.popleft()[0])

    def _idle_transport(self) -> asyncio.Transport | None:
        """The socket, when nothing is queued, being sent or buffered for this client (so a
        frame written now cannot overtake another)."""
        t = self._transport
        if (
            t is not None
            and self._send_started is None
            and self._queue.empty()
            and not t.is_closing()
            and t.get_write_buffer_size() == 0
        ):
            return t
        return None

    async def _writer(self) -> None:
        while True:
            text = await self._queue.get()
            self._send_started = time.monotonic()
            await self.ws.send_str(text)
            self._send_started = None

    # -- closing ----------------------------------------------------------------------------
    def drop(self, code: int, reason: str, slow: bool = False) -> None:
        """Close this client soon with ``code``/``reason``; never waits."""
        if self._closing:
            return
        self._closing = True
        self.close_code, self.close_reason = code, reason
        if slow:
            self._metrics.dropped_clients += 1
            log.warning("dropping client %s: %s", self.peer, reason,
                        extra={"COMPONENT": "api", "CLIENT": self.peer})
        self._closer = asyncio.create_task(self._close(code, reason))

    async def close(self, code: int, reason: str) -> None:
        self.drop(code, reason)
        if self._closer is not None:
            await asyncio.shield(self._closer)

    async def _close(self, code: int, reason: str) -> None:
        """Close handshake, bounded; a client that cannot take even the close frame (its
        socket buffers are full) is cut off with a reset instead of lingering."""
        try:
            await bounded(self.ws.close(code=code, message=reason.encode()[:120]), CLOSE_TIMEOUT)
        except (TimeoutError, ConnectionError, RuntimeError):
            self._abort()
            return
        t = self._transport
        if t is not None and not t.is_closing() and t.get_write_buffer_size() > 0:
            self._abort()

    def _abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    def _reply(self, text: str) -> None:
        """Send a reply now when nothing is queued or buffered before it (straight onto the
        socket, saving the writer's hop); otherwise queue it behind the rest."""
        if self._closing or self.ws.closed:
            return
        if (t := self._idle_transport()) is not None:
            t.write(text_frame(text))
            return
        self.offer(text)

    # -- receiving --------------------------------------------------------------------------
    async def _handle(self, message: Any, number: int) -> None:
        reply: str | None = None
        try:
            reply = await protocol.handle_message(message, self._dispatch)
        finally:
            self._end(number, reply)
            self._slots.release()
            self._check_authenticated()

    def _dispatch(self, method: str, params: Any) -> Any:
        return self._dispatcher.call(self.session, method, params)

    async def _on_text(self, text: str) -> None:
        """Requests that never wait for I/O run in line; the others in a task of their own
        (at most ``MAX_IN_FLIGHT`` at once), so a slow snapshot does not hold up a ping."""
        try:
            message = protocol.parse(text)
        except RpcError as e:
            self._reply(protocol.encode(protocol.error_response(e)))
            return
        if protocol.method_names(message) & WAITING:
            await self._slots.acquire()
            task = asyncio.create_task(self._handle(message, self._begin()))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return
        number = self._begin()
        reply: str | None = None
        try:
            reply = await protocol.handle_message(message, self._dispatch)
        finally:
            self._end(number, reply)

    # -- before authentication ------------------------------------------------------------
    @property
    def authenticated(self) -> bool:
        return self._probation.authenticated

    def _check_authenticated(self) -> None:
        if (refusal := self._probation.signed_in(self.session.principal is not None)) is not None:
            self.drop(*refusal)

    def _admit_frame(self, text: str) -> bool:
        """Whether a frame may be decoded; closes the connection when not."""
        if (refusal := self._probation.frame(text)) is not None:
            self.drop(*refusal)
            return False
        return True

    async def _auth_deadline(self) -> None:
        await asyncio.sleep(self._config.auth_timeout)
        if not self.authenticated:
            self.drop(*CLOSE_AUTH_TIMEOUT)

    async def _keepalive(self) -> None:
        interval, timeout = self._config.ping_interval, self._config.ping_timeout
        tick = max(0.05, min(interval, timeout) / 2)
        ping_sent: float | None = None
        while not self._closing:
            await asyncio.sleep(tick)
            now = time.monotonic()
            if self._send_started is not None and now - self._send_started > timeout:
                self.drop(1011, "send timeout: client not reading", slow=True)
                return
            if ping_sent is not None:
                if self._last_rx >= ping_sent:
                    ping_sent = None
                elif now - ping_sent > timeout:
                    self.drop(1011, "ping timeout", slow=True)
                    return
            elif interval > 0 and now - self._last_rx >= interval:
                ping_sent = now
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await self.ws.ping()

    async def run(self) -> None:
        """Serve until the client or the server closes; returns when everything stopped."""
        helpers = [asyncio.create_task(self._writer()), asyncio.create_task(self._keepalive())]
        if not self.authenticated:
            helpers.append(asyncio.create_task(self._auth_deadline()))
        try:
            while not self._closing:
                msg = await self.ws.receive()
                self._last_rx = time.monotonic()
                if msg.type is WSMsgType.TEXT:
                    if not self._admit_frame(msg.data):
                        break
                    await self._on_text(msg.data)
                    self._check_authenticated()
                elif msg.type is WSMsgType.BINARY:
                    if not self._admit_frame(""):
                        break
                    self.offer(_BINARY_REPLY)
                elif msg.type is WSMsgType.PING:
                    with contextlib.suppress(ConnectionError, RuntimeError):
                        await self.ws.pong(msg.data)
                elif msg.type is WSMsgType.PONG:
                    continue
                else:  # CLOSE, CLOSING, CLOSED, ERROR (e.g. 1009 message too big)
                    break
        except (ConnectionError, RuntimeError) as e:  # the socket went away mid-send
            log.debug("connection to %s lost: %s", self.peer, e)
        finally:
            self._closing = True
            for task in (*helpers, *self._tasks):
                task.cancel()
            await asyncio.gather(*helpers, *self._tasks, return_exceptions=True)
            if self._closer is not None:
                await asyncio.gather(self._closer, return_exceptions=True)
            elif not self.ws.closed:
                await self._close(1000, "")
