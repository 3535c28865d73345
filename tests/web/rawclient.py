"""A WebSocket client written against the socket directly (RFC 6455 framing), for clients
that misbehave on purpose: one that never reads, one that never answers pings."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import struct
from typing import Any

from .stack import TIMEOUT


def frame(payload: bytes, opcode: int = 0x1) -> bytes:
    """One final, masked client frame."""
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    return head + mask + _masked(payload, mask)


def _masked(payload: bytes, mask: bytes) -> bytes:
    """RFC 6455 §5.3 masking as one big-integer XOR (fast for megabyte frames)."""
    n = len(payload)
    if n == 0:
        return b""
    key = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
    return (int.from_bytes(payload, "big") ^ key).to_bytes(n, "big")


class RawClient:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(
        cls,
        port: int,
        rcvbuf: int | None = None,
        origin: str | None = None,
        source: str | None = None,
        host: str | None = None,
    ) -> RawClient:
        """``source``: the local address to connect from (any of 127.0.0.0/8 on Linux);
        ``host``: the ``Host`` header (default ``127.0.0.1:port``)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if source is not None:
            sock.bind((source, 0))
        if rcvbuf is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        await asyncio.wait_for(loop.sock_connect(sock, ("127.0.0.1", port)), TIMEOUT)
        reader, writer = await asyncio.open_connection(sock=sock)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            "GET /ws HTTP/1.1",
            f"Host: {host or f'127.0.0.1:{port}'}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
        ]
        if origin:
            lines.append(f"Origin: {origin}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
        assert head.startswith(b"HTTP/1.1 101"), head
        return cls(reader, writer)

    async def send_json(self, message: Any) -> None:
        await self.send_raw(frame(json.dumps(message).encode()))

    async def send_raw(self, data: bytes) -> None:
        """Bytes already framed (e.g. a big frame built once, outside a measurement)."""
        self.writer.write(data)
        await self.writer.drain()

    async def recv_frame(self) -> tuple[int, bytes]:
        b1, b2 = await asyncio.wait_for(self.reader.readexactly(2), TIMEOUT)
        n = b2 & 0x7F
        if n == 126:
            (n,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif n == 127:
            (n,) = struct.unpack("!Q", await self.reader.readexactly(8))
        return b1 & 0x0F, await asyncio.wait_for(self.reader.readexactly(n), TIMEOUT)

    async def recv_json(self) -> Any:
        while True:
            opcode, payload = await self.recv_frame()
            if opcode == 0x1:
                return json.loads(payload)

    async def close_frame(self) -> tuple[int, str]:
        """Read until the server's close frame: its code and reason."""
        while True:
            opcode, payload = await self.recv_frame()
            if opcode == 0x8:
                return struct.unpack("!H", payload[:2])[0], payload[2:].decode()

    async def read_until_closed(self) -> None:
        """Read everything until the server closes the socket (EOF) or resets it."""
        try:
            while await self.reader.read(1 << 16):
                pass
        except ConnectionResetError:
            pass

    def close(self) -> None:
        self.writer.transport.abort()
