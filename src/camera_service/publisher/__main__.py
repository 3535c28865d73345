"""``python3 -m camera_service.publisher --socket PATH -- ffmpeg … rtsp://127.0.0.1:PORT/PATH``:
the ``runOnDemand`` publisher of a camera path (``publish_grants`` says why).

1. Listens on a free loopback port and starts the ffmpeg command at once, with that port in
   place of MediaMTX's: ffmpeg's argv carries no secret. ffmpeg is started before anything
   else is imported or asked: it takes longest to start (hundreds of shared libraries), and
   a viewer waits for it (``session`` and asyncio load meanwhile).
2. Asks the service at ``--socket`` for a one-time credential for the path of the last
   argument (the service checks this process's uid); without one ffmpeg is ended before it
   reaches MediaMTX.
3. Accepts one connection, and only from a socket of its own uid (``peers``), relays it to
   MediaMTX and adds the credential to every RTSP request (``relay``, ``session``).
4. Ends with ffmpeg, with ffmpeg's exit status; SIGINT/SIGTERM (MediaMTX closing the path)
   are passed on to ffmpeg, which is killed if it does not end in time.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

EX_UNAVAILABLE = 69


def listen() -> socket.socket:
    """A loopback TCP socket listening on a free port (not inherited by ffmpeg)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        sock.listen(4)
    except OSError:
        sock.close()
        raise
    return sock


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m camera_service.publisher")
    parser.add_argument("--socket", required=True, help="the service's publisher socket")
    parser.add_argument("command", nargs="+", help="ffmpeg … rtsp://127.0.0.1:PORT/PATH")
    args = parser.parse_args(argv)
    target = urlsplit(args.command[-1])
    if target.scheme != "rtsp" or not target.hostname or not target.port:
        print(f"publisher: the last argument must be MediaMTX's rtsp:// URL: {args.command[-1]!r}",
              file=sys.stderr)
        return EX_UNAVAILABLE
    listener = listen()
    local = urlunsplit(target._replace(netloc=f"127.0.0.1:{listener.getsockname()[1]}"))
    try:
        proc = subprocess.Popen([*args.command[:-1], local], stdin=subprocess.DEVNULL)
    except OSError as e:
        listener.close()
        print(f"publisher: cannot start {args.command[0]}: {e}", file=sys.stderr)
        return EX_UNAVAILABLE

    import asyncio  # only now: ffmpeg starts meanwhile

    from .session import PublisherError, run

    try:
        return asyncio.run(run(args.socket, target.path.lstrip("/"),
                               (target.hostname, target.port), listener, proc))
    except PublisherError as e:
        print(f"publisher: {e}", file=sys.stderr)
        return EX_UNAVAILABLE


if __name__ == "__main__":
    sys.exit(main())
