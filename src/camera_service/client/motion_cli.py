"""``camera-ctl events`` (list, ``--follow``) and ``camera-ctl motion`` (show, set)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import output
from .connection import CameraClient

MOTION_TOPICS = ["motion.started", "motion.updated", "motion.ended"]
SET_FLAGS = (
    ("threshold", int, "1..255: pixel difference that counts (lower: more sensitive)"),
    ("min_area", float, "percent of the picture that must change"),
    ("confirm_frames", int, "frames with motion in a row (5 a second) that start an event"),
    ("quiet_seconds", float, "seconds without motion that end an event"),
    ("pre_capture", float, "seconds of recording before an event"),
    ("post_capture", float, "seconds of recording after it"),
)


class UsageFailure(Exception):
    """Bad arguments found after parsing (exit 1 with the reason)."""


def add_parsers(sub: Any) -> None:
    e = sub.add_parser("events", help="list motion events (--follow: print them as they come)")
    e.add_argument("--device", metavar="ID")
    e.add_argument("--since", type=float, help="Unix seconds")
    e.add_argument("--until", type=float, help="Unix seconds")
    e.add_argument("--limit", type=int, default=50)
    e.add_argument("--offset", type=int, default=0)
    e.add_argument("--follow", action="store_true", help="then print motion_event notifications")
    m = sub.add_parser("motion", help="show or set a camera's motion detection")
    m.add_argument("action", choices=("show", "set"))
    m.add_argument("device", metavar="ID")
    on = m.add_mutually_exclusive_group()
    on.add_argument("--enable", dest="enabled", action="store_const", const=True)
    on.add_argument("--disable", dest="enabled", action="store_const", const=False)
    for name, kind, text in SET_FLAGS:
        m.add_argument(f"--{name.replace('_', '-')}", dest=name, type=kind, help=text)
    m.add_argument("--masks", help='polygons as JSON, e.g. \'[[[0,0],[0.3,0],[0.3,0.2]]]\'; "[]" clears')


def events_table(result: dict[str, Any]) -> str:
    rows = [
        (e.get("event_id"), e.get("device"), e.get("start_time"), e.get("duration"),
         e.get("score"), e.get("status"), e.get("cause") or None)
        for e in result.get("events", [])
    ]  # fmt: skip
    text = output.table(rows, ("EVENT", "DEVICE", "START", "SECONDS", "SCORE", "STATUS", "CAUSE"))
    return f"{text}\n{len(rows)} of {result.get('total', len(rows))} event(s)"


def motion_line(note: dict[str, Any]) -> str:
    p = note.get("params") or {}
    line = f"{p.get('start_time')} {p.get('device')} motion {p.get('status')} {p.get('event_id')}"
    line += f" score {p.get('score')}"
    if p.get("status") == "ended":
        line += f" until {p.get('end_time')} ({p.get('cause')})"
    return line


async def events(args: argparse.Namespace, client: CameraClient) -> None:
    params: dict[str, Any] = {"limit": args.limit, "offset": args.offset}
    for key in ("device", "since", "until"):
        if getattr(args, key) is not None:
            params[key] = getattr(args, key)
    if args.follow:  # subscribe first: nothing between the list and the first notification is lost
        sub: dict[str, Any] = {"topics": MOTION_TOPICS}
        if args.device:
            sub["filters"] = {"device": [args.device]}
        await client.call("subscribe_events", sub)
    result = await client.call("list_events", params)
    print(json.dumps(result, indent=2) if args.json else events_table(result), flush=True)
    if not args.follow:
        return
    print(f"following motion events on {client.url} (Ctrl-C to stop)", file=sys.stderr, flush=True)
    async for note in client.notifications():
        if note.get("method") == "motion_event":
            print(json.dumps(note) if args.json else motion_line(note), flush=True)
    raise UsageFailure(client.closed_reason or "connection closed")


async def motion(args: argparse.Namespace, client: CameraClient) -> None:
    if args.action == "show":
        result = await client.call("get_motion_config", {"device": args.device})
    else:
        params: dict[str, Any] = {"device": args.device}
        if args.enabled is not None:
            params["enabled"] = args.enabled
        for name, _, _ in SET_FLAGS:
            if getattr(args, name) is not None:
                params[name] = getattr(args, name)
        if args.masks is not None:
            try:
                params["masks"] = json.loads(args.masks)
            except ValueError as e:
                raise UsageFailure(f"--masks is not valid JSON: {e}") from None
        if len(params) == 1:
            raise UsageFailure("motion set: give at least one setting (e.g. --enable)")
        result = await client.call("set_motion_config", params)
    print(json.dumps(result, indent=2) if args.json else output.mapping(result))
