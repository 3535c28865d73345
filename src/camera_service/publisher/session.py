"""The publisher's session once ffmpeg runs (``__main__`` says the order): the one-time
credential asked of the service, and the relay that adds it to ffmpeg's RTSP requests on
their way to MediaMTX, for one connection from our own uid only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys

from ..waits import bounded
from .peers import peer_uid
from .relay import RequestRewriter, basic_authorization

ASK_TIMEOUT = 5.0
STOP_TIMEOUT = 5.0
CHUNK = 64 * 1024


class PublisherError(Exception):
    pass


async def ask_credential(socket_path: str, path: str) -> tuple[str, str]:
    async def exchange() -> bytes:
        reader, writer = await asyncio.open_unix_connection(socket_path)
        try:
            writer.write(json.dumps({"path": path}).encode() + b"\n")
            await writer.drain()
            return await reader.readline()
        finally:
            writer.close()

    try:
        line = await bounded(exchange(), ASK_TIMEOUT)
        answer = json.loads(line)
    except (OSError, TimeoutError, ValueError) as e:
        raise PublisherError(f"no publisher credential from {socket_path}: {e}") from None
    if not isinstance(answer, dict) or "password" not in answer:
        error = answer.get("error") if isinstance(answer, dict) else answer
        raise PublisherError(f"the service refused a publisher credential: {error}")
    return str(answer["user"]), str(answer["password"])


def _ack_now(sock: socket.socket | None) -> None:
    """Acknowledge what ``sock`` received at once: ffmpeg sends a request's head and body
    in two writes, and Nagle holds the body until the head is acknowledged, which Linux
    otherwise delays by up to 40 ms (measured on every ANNOUNCE)."""
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                rewrite: RequestRewriter | None, source: socket.socket | None = None) -> None:
    """Copies ``reader`` to ``writer`` (through ``rewrite``); ``source``: the socket read
    from, acknowledged at once after each read."""
    try:
        while data := await reader.read(CHUNK):
            _ack_now(source)
            writer.write(rewrite.feed(data) if rewrite is not None else data)
            await writer.drain()
    except (OSError, ValueError):
        pass
    finally:
        writer.close()


class Relay:
    def __init__(self, listener: socket.socket, upstream: tuple[str, int],
                 authorization: bytes) -> None:
        """``listener``: our loopback socket, listening already (ffmpeg may be waiting in
        its backlog)."""
        self._listener = listener
        self._upstream = upstream
        self._authorization = authorization
        self.server: asyncio.Server | None = None
        self.port = int(listener.getsockname()[1])
        self._taken = False

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._accept, sock=self._listener)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        client_port = int(writer.get_extra_info("peername")[1])
        uid = await asyncio.to_thread(peer_uid, client_port, self.port)
        if self._taken or uid != os.getuid():
            print(f"publisher: refused a connection from uid {uid}", file=sys.stderr)
            writer.close()
            return
        self._taken = True
        if self.server is not None:
            self.server.close()  # one session: nobody else gets in
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._upstream)
        except OSError as e:
            print(f"publisher: MediaMTX at {self._upstream}: {e}", file=sys.stderr)
            writer.close()
            return
        await asyncio.gather(_pump(reader, up_writer, RequestRewriter(self._authorization),
                                   writer.get_extra_info("socket")),
                             _pump(up_reader, writer, None))


async def run(socket_path: str, path: str, upstream: tuple[str, int],
              listener: socket.socket, proc: subprocess.Popen[bytes]) -> int:
    """Relays ``proc`` (ffmpeg, started with ``listener``'s port in place of MediaMTX's
    ``upstream``) to MediaMTX with a credential for ``path``, until ffmpeg ends; returns
    its exit status. SIGINT/SIGTERM are passed on to ffmpeg. Without a credential ffmpeg is
    ended and ``PublisherError`` raised: it never reaches MediaMTX."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, _pass_on, proc, sig)
    exited = asyncio.ensure_future(asyncio.to_thread(proc.wait))
    relay: Relay | None = None
    try:
        user, password = await ask_credential(socket_path, path)
        relay = Relay(listener, upstream, basic_authorization(user, password))
        await relay.start()
        return await asyncio.shield(exited)
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await bounded(asyncio.shield(exited), STOP_TIMEOUT)
            except TimeoutError:
                proc.kill()
        await exited
        if relay is not None and relay.server is not None:
            relay.server.close()
        listener.close()


def _pass_on(proc: subprocess.Popen[bytes], sig: int) -> None:
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)
