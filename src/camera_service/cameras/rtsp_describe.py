"""One RTSP DESCRIBE over asyncio streams: connect, ask, read the status line, headers and
SDP, close. Every step is bounded by ``limit`` (connect, and the whole reply); the reply's
size is bounded too. Foreign errors stay here: ``describe`` raises only ``ProbeError``
(and ``CancelledError``). The wire format lives in ``rtsp_wire`` (pure)."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from ..errors import ProbeError
from .rtsp_wire import (
    MAX_BODY_BYTES,
    MAX_HEADER_BYTES,
    Reply,
    WireError,
    describe_request,
    parse_reply_head,
)

_CLOSE_TIMEOUT = 1.0


@dataclass(frozen=True)
class Answer:
    reply: Reply
    body: str  # the SDP (empty when none was sent)


class Unreachable(ProbeError):
    """Nothing listens there (refused, unreachable, no answer in time)."""


async def describe(host: str, port: int, url: str, limit: float) -> Answer:
    """Send ``DESCRIBE url`` to ``host:port``, connecting within ``limit`` seconds and
    reading the reply within ``limit`` more. Raises ``Unreachable`` when the connection
    fails or times out, ``ProbeError`` when what answers is not RTSP."""
    request = describe_request(url)
    # asyncio.timeout rather than wait_for: Python 3.11's wait_for can swallow a cancel
    try:
        async with asyncio.timeout(limit):
            reader, writer = await asyncio.open_connection(host, port, limit=MAX_HEADER_BYTES)
    except (OSError, TimeoutError) as e:
        raise Unreachable(f"{host}:{port}: {_why(e)}") from None
    try:
        async with asyncio.timeout(limit):
            return await _exchange(reader, writer, request)
    except TimeoutError:
        raise Unreachable(f"{host}:{port}: no RTSP reply within {limit:g} s") from None
    except OSError as e:
        raise Unreachable(f"{host}:{port}: {_why(e)}") from None
    except WireError as e:
        raise ProbeError(f"{host}:{port}: {e}") from None
    finally:
        writer.close()
        with contextlib.suppress(OSError, TimeoutError):
            async with asyncio.timeout(_CLOSE_TIMEOUT):
                await writer.wait_closed()


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> Answer:
    writer.write(request)
    await writer.drain()
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError:
        raise WireError(f"reply headers longer than {MAX_HEADER_BYTES} bytes") from None
    except asyncio.IncompleteReadError as e:
        if not e.partial:
            raise WireError("the connection closed without a reply") from None
        head = e.partial
    reply = parse_reply_head(head)
    body = b""
    length = min(reply.content_length, MAX_BODY_BYTES)
    if length:
        with contextlib.suppress(asyncio.IncompleteReadError):
            body = await reader.readexactly(length)
    return Answer(reply, body.decode("utf-8", errors="replace"))


def _why(e: BaseException) -> str:
    if isinstance(e, TimeoutError):
        return "no connection in time"
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    return str(e) or type(e).__name__
