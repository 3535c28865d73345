"""``camera-ctl``: talk to the camera service from a shell.

Exit codes: 0 success, 1 the call failed (RPC error, connection, config; the reason is
printed on stderr), 2 usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..models import TOPICS
from . import commands, output
from .connection import CameraClient, ClientError, RemoteError

DEFAULT_URL = "ws://127.0.0.1:8002/ws"
TOKEN_ENV = "CAMERA_SERVICE_TOKEN"
ROLES = ("viewer", "operator", "admin")
# notification names the server also takes as topics, each selecting its group
NOTIFICATION_TOPICS = ("camera_status_update", "recording_status_update", "snapshot_taken")


class Failure(Exception):
    """A reason to exit 1, printed as is."""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="camera-ctl", description="Control the camera service.")
    p.add_argument(
        "--url",
        default=os.environ.get("CAMERA_SERVICE_URL", DEFAULT_URL),
        help=f"WebSocket URL (default {DEFAULT_URL})",
    )
    p.add_argument("--token", default=None, help=f"JWT or API key (default: ${TOKEN_ENV})")
    p.add_argument("--json", action="store_true", help="print results as JSON")
    p.add_argument("--timeout", type=float, default=15.0, help="seconds per call")
    p.add_argument("--cafile", type=Path, default=None, help="CA certificate to trust for wss://")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("list", help="list cameras")
    sub.add_parser("info", help="server version and component health")
    sub.add_parser("health", help="service status (HEALTHY/DEGRADED/UNHEALTHY) and components (admin)")
    for name, text in (("status", "one camera's status"), ("capabilities", "a camera's modes")):
        sub.add_parser(name, help=text).add_argument("device", metavar="ID")
    s = sub.add_parser("snapshot", help="take a snapshot")
    s.add_argument("device", metavar="ID")
    s.add_argument("--filename")
    r = sub.add_parser("record", help="start or stop recording")
    r.add_argument("action", choices=("start", "stop"))
    r.add_argument("device", metavar="ID")
    r.add_argument("--duration", type=float, help="seconds (start)")
    r.add_argument("--format", choices=("fmp4", "mp4", "mkv"), help="container (start)")
    f = sub.add_parser("files", help="list recordings and snapshots")
    f.add_argument("--kind", choices=("recordings", "snapshots", "all"), default="all")
    f.add_argument("--limit", type=int, default=50)
    w = sub.add_parser("watch", help="print notifications as they come")
    w.add_argument("--topic", action="append", choices=(*TOPICS, *NOTIFICATION_TOPICS),
                   help="only these (repeatable); a notification name selects its group")
    w.add_argument("--device", action="append", help="only these cameras (repeatable)")
    w.add_argument("--count", type=int, default=0, help="exit after this many (0: never)")
    c = sub.add_parser("call", help="call any method: call METHOD ['{json params}']")
    c.add_argument("method")
    c.add_argument("params", nargs="?", default=None)
    commands.add_parsers(sub)
    t = sub.add_parser("token", help="mint a JWT from the service's configured secret")
    t.add_argument("--role", choices=ROLES, required=True)
    t.add_argument("--expires", type=int, default=None, help="seconds (default: auth.token_expiry)")
    t.add_argument("--user", default="camera-ctl", help="user_id claim")
    t.add_argument("--config", type=Path, default=None, help="service config file")
    k = sub.add_parser("apikey", help="make a new API key and its key-file entry")
    k.add_argument("--role", choices=ROLES, required=True)
    k.add_argument("--name", default="key")
    k.add_argument("--stdin", action="store_true", help="hash the key read from stdin instead of making one")
    return p


def _emit(args: argparse.Namespace, result: Any, text: str | None = None) -> None:
    if args.json or text is None:
        print(json.dumps(result, indent=2))
    else:
        print(text)


def _token(args: argparse.Namespace) -> None:
    from ..config.load import load_config
    from ..config.model import DEFAULT_CONFIG_PATH
    from ..errors import ConfigError
    from ..rpc.auth import Role, mint_token

    path = args.config or DEFAULT_CONFIG_PATH
    try:
        config = load_config(path)
    except ConfigError as e:
        raise Failure("invalid configuration:\n  " + "\n  ".join(e.lines())) from None
    secret = config.auth.jwt_secret
    if not secret:
        raise Failure(f"{path}: no auth.jwt_secret configured")
    import time

    expires = args.expires if args.expires is not None else config.auth.token_expiry
    if expires <= 0:
        raise Failure("--expires must be positive")
    print(mint_token(secret, args.user, Role.parse(args.role), expires, time.time()))


def _apikey(args: argparse.Namespace) -> None:
    from ..rpc.auth import Role, generate_key, key_file_entry

    if args.stdin:
        key = sys.stdin.readline().strip()
        if not key:
            raise Failure("no key on stdin")
    else:
        key = generate_key()
        print(key)
    print("# add under 'keys:' in the API key file, then reload the service (SIGHUP):", file=sys.stderr)
    print(key_file_entry(args.name, Role.parse(args.role), key), end="", file=sys.stderr)


async def _files(args: argparse.Namespace, client: CameraClient) -> None:
    kinds = ("recordings", "snapshots") if args.kind == "all" else (args.kind,)
    results = {k: await client.call(f"list_{k}", {"limit": args.limit}) for k in kinds}
    if args.json:
        print(json.dumps(results if len(kinds) > 1 else results[kinds[0]], indent=2))
    else:
        print("\n\n".join(output.files(k, r) for k, r in results.items()))


async def _watch(args: argparse.Namespace, client: CameraClient) -> None:
    if args.topic or args.device:
        params: dict[str, Any] = {"topics": args.topic or list(TOPICS)}
        if args.device:
            params["filters"] = {"device": args.device}
        await client.call("subscribe_events", params)
    print(f"watching {client.url} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    seen = 0
    async for note in client.notifications():
        print(json.dumps(note) if args.json else output.notification(note), flush=True)
        seen += 1
        if args.count and seen >= args.count:
            return
    raise Failure(client.closed_reason or "connection closed")


async def _remote(args: argparse.Namespace) -> None:
    planned = commands.request(args) if args.command in commands.NAMES else None  # usage first
    token = args.token or os.environ.get(TOKEN_ENV)
    context = None
    if args.cafile is not None:
        import ssl

        try:
            context = ssl.create_default_context(cafile=str(args.cafile))
        except (OSError, ssl.SSLError) as e:
            raise Failure(f"cannot load {args.cafile}: {e}") from None
    async with CameraClient(args.url, token, timeout=args.timeout, ssl_context=context) as client:
        cmd = args.command
        if planned is not None:
            method, params = planned
            commands.show(args, method, await client.call(method, params))
        elif cmd == "list":
            r = await client.call("get_camera_list")
            _emit(args, r, output.cameras(r))
        elif cmd == "info":
            r = await client.call("get_server_info")
            _emit(args, r, output.mapping(r))
        elif cmd == "health":
            r = await client.call("get_status")
            _emit(args, r, output.status(r))
        elif cmd == "status":
            r = await client.call("get_camera_status", {"device": args.device})
            _emit(args, r, output.mapping(r))
        elif cmd == "capabilities":
            r = await client.call("get_camera_capabilities", {"device": args.device})
            _emit(args, r, output.mapping(r))
        elif cmd == "snapshot":
            params = {"device": args.device, "filename": args.filename}
            r = await client.call("take_snapshot", {k: v for k, v in params.items() if v})
            _emit(args, r, output.mapping(r))
        elif cmd == "record":
            params = {"device": args.device}
            if args.action == "start":
                params.update(
                    {k: v for k, v in (("duration", args.duration), ("format", args.format)) if v is not None}
                )
            r = await client.call(f"{args.action}_recording", params)
            _emit(args, r, output.mapping(r))
        elif cmd == "files":
            await _files(args, client)
        elif cmd == "watch":
            await _watch(args, client)
        elif cmd == "call":
            try:
                given = json.loads(args.params) if args.params else None
            except ValueError as e:
                raise Failure(f"params are not valid JSON: {e}") from None
            r = await client.call(args.method, given)
            _emit(args, r, None)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "token":
            _token(args)
        elif args.command == "apikey":
            _apikey(args)
        else:
            asyncio.run(_remote(args))
    except RemoteError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except (ClientError, Failure) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except commands.UsageError as e:
        print(f"camera-ctl: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130 if args.command != "watch" else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
