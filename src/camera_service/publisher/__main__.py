"""``python3 -m camera_service.publisher --socket PATH -- ffmpeg … rtsp://127.0.0.1:PORT/PATH``:
the ``runOnDemand`` publisher of a camera path (``publish_grants`` says why).

1. Asks the service at ``--socket`` for a one-time credential for the path of the last
   argument (the service checks this process's uid).
2. Listens on a free loopback port and runs the ffmpeg command with that port in place of
   MediaMTX's: ffmpeg's argv carries no secret.
3. Accepts one connection, and only from a socket of its own uid (``peers``), relays it to
   MediaMTX and adds the credential to every RTSP request (``relay``).
4. Ends with ffmpeg, with ffmpeg's exit status; SIGINT/SIGTERM (MediaMTX closing the path)
   are passed on to ffmpeg, which is killed if it does not end in time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
from urllib.parse import urlsplit, urlunsplit

from .peers import peer_uid
from .relay import RequestRewriter, basic_authorization

ASK_TIMEOUT = 5.0
STOP_TIMEOUT = 5.0
CHUNK = 64 * 1024
EX_UNAVAILABLE = 69


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
        line = await asyncio.wait_for(exchange(), ASK_TIMEOUT)
        answer = json.loads(line)
    except (OSError, TimeoutError, ValueError) as e:
        raise PublisherError(f"no publisher credential from {socket_path}: {e}") from None
    if not isinstance(answer, dict) or "password" not in answer:
        error = answer.get("error") if isinstance(answer, dict) else answer
        raise PublisherError(f"the service refused a publisher credential: {error}")
    return str(answer["user"]), str(answer["password"])


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                rewrite: RequestRewriter | None) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(rewrite.feed(data) if rewrite is not None else data)
            await writer.drain()
    except (OSError, ValueError):
        pass
    finally:
        writer.close()


class Relay:
    def __init__(self, upstream: tuple[str, int], authorization: bytes) -> None:
        self._upstream = upstream
        self._authorization = authorization
        self.server: asyncio.Server | None = None
        self.port = 0
        self._taken = False
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = int(self.server.sockets[0].getsockname()[1])

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
        await asyncio.gather(_pump(reader, up_writer, RequestRewriter(self._authorization)),
                             _pump(up_reader, writer, None))


async def run(socket_path: str, command: list[str]) -> int:
    target = urlsplit(command[-1])
    if target.scheme != "rtsp" or not target.hostname or not target.port:
        raise PublisherError(f"the last argument must be MediaMTX's rtsp:// URL: {command[-1]!r}")
    path = target.path.lstrip("/")
    user, password = await ask_credential(socket_path, path)
    relay = Relay((target.hostname, target.port), basic_authorization(user, password))
    await relay.start()
    local = urlunsplit(target._replace(netloc=f"127.0.0.1:{relay.port}"))
    proc = await asyncio.create_subprocess_exec(*command[:-1], local,
                                                stdin=asyncio.subprocess.DEVNULL)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, _pass_on, proc, sig)
    try:
        return await proc.wait()
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), STOP_TIMEOUT)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        if relay.server is not None:
            relay.server.close()


def _pass_on(proc: asyncio.subprocess.Process, sig: int) -> None:
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m camera_service.publisher")
    parser.add_argument("--socket", required=True, help="the service's publisher socket")
    parser.add_argument("command", nargs="+", help="ffmpeg … rtsp://127.0.0.1:PORT/PATH")
    args = parser.parse_args(argv)
    try:
        return asyncio.run(run(args.socket, args.command))
    except PublisherError as e:
        print(f"publisher: {e}", file=sys.stderr)
        return EX_UNAVAILABLE


if __name__ == "__main__":
    sys.exit(main())
