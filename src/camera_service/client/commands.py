"""``camera-ctl`` commands for recording modes, streams, external streams and the recording
timeline: ``mode``, ``stream``, ``external``, ``timeline``. Each turns its arguments into
one API call (``request``, pure) and prints the result as text or, with ``--json``, as it
came (``show``)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from . import output

NAMES = frozenset({"mode", "stream", "external", "timeline"})
MODES = ("off", "continuous", "schedule", "motion")
FORMATS = ("fmp4", "mp4", "mkv")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class UsageError(Exception):
    """Arguments that parse but do not make a request (the CLI exits 2 with the reason)."""


def add_parsers(sub: Any) -> None:
    m = sub.add_parser("mode", help="show or set a camera's recording mode")
    m.add_argument("device", metavar="ID")
    m.add_argument("mode", nargs="?", choices=MODES, help="set this mode (omit to show the mode)")
    m.add_argument("--window", action="append", metavar="DAYS START-END",
                   help='a schedule window, e.g. "mon,tue,wed 08:00-18:00" (repeatable)')
    m.add_argument("--segment-seconds", type=int, help="length of each file")
    m.add_argument("--format", choices=FORMATS)
    m.add_argument("--retention-days", type=float, help="keep this camera's segments N days")
    m.add_argument("--retention-gb", type=float, help="keep at most N GB of this camera's segments")
    m.add_argument("--no-retention", action="store_true", help="remove the camera's own retention")
    s = sub.add_parser("stream", help="keep a camera's stream published, end it, or show its URL")
    s.add_argument("action", choices=("start", "stop", "url"))
    s.add_argument("device", metavar="ID")
    s.add_argument("--with-token", action="store_true",
                   help="url: also URLs with a short-lived viewer token in them")
    e = sub.add_parser("external", help="network cameras added at run time, and RTSP discovery")
    e.add_argument("action", choices=("list", "add", "remove", "discover"))
    e.add_argument("stream_url", nargs="?", metavar="URL", help="rtsp://... (add, remove)")
    e.add_argument("--name", help="add: the camera's name")
    e.add_argument("--type", default=None, help="add: stream type (default generic_rtsp)")
    e.add_argument("--generic", action="store_true", help="discover: generic RTSP candidates too")
    e.add_argument("--no-skydio", action="store_true", help="discover: leave out Skydio candidates")
    e.add_argument("--rescan", action="store_true", help="discover: scan again, not the cached scan")
    e.add_argument("--include-offline", action="store_true", help="discover: offline ones too")
    t = sub.add_parser("timeline", help="a camera's recorded time ranges and the gaps between them")
    t.add_argument("device", metavar="ID")
    t.add_argument("--from", dest="start", help="Unix seconds or ISO 8601 (default: first segment)")
    t.add_argument("--to", dest="end", help="Unix seconds or ISO 8601 (default: now)")


def _when(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"not a time: {text!r} (Unix seconds or ISO 8601)") from None
    if when.tzinfo is None:
        when = when.astimezone()  # local time, as a person types it
    return when.timestamp()


def window(text: str) -> dict[str, Any]:
    """``"mon,tue 08:00-18:00"`` → ``{"days": ["mon", "tue"], "start": "08:00", "end": "18:00"}``."""
    parts = text.split()
    if len(parts) != 2 or parts[1].count("-") != 1:
        raise UsageError(f'a window is "DAYS START-END", e.g. "mon,fri 08:00-18:00": {text!r}')
    days = [d.strip().lower() for d in parts[0].split(",") if d.strip()]
    if not days or any(d not in DAYS for d in days):
        raise UsageError(f"days are {','.join(DAYS)}: {parts[0]!r}")
    start, end = parts[1].split("-")
    return {"days": days, "start": start, "end": end}


def _mode(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    device = {"device": args.device}
    setting = (args.window, args.segment_seconds, args.format, args.retention_days, args.retention_gb)
    if args.mode is None:
        if any(v is not None for v in setting) or args.no_retention:
            raise UsageError(f"give a MODE ({', '.join(MODES)}) to change settings")
        return "get_recording_mode", device
    params: dict[str, Any] = {**device, "mode": args.mode}
    if args.window:
        params["schedule"] = [window(w) for w in args.window]
    elif args.mode == "schedule":
        raise UsageError('mode schedule needs at least one --window "DAYS START-END"')
    if args.segment_seconds is not None:
        params["segment_seconds"] = args.segment_seconds
    if args.format is not None:
        params["format"] = args.format
    if args.no_retention:
        params["retention"] = {}
    elif args.retention_days is not None or args.retention_gb is not None:
        params["retention"] = {k: v for k, v in (("max_age_days", args.retention_days),
                                                 ("max_size_gb", args.retention_gb)) if v is not None}
    return "set_recording_mode", params


def _external(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    if args.action in ("add", "remove") and not args.stream_url:
        raise UsageError(f"external {args.action} needs the stream URL")
    if args.action == "list":
        return "get_external_streams", {}
    if args.action == "add":
        params = {"stream_url": args.stream_url, "stream_name": args.name, "stream_type": args.type}
        return "add_external_stream", {k: v for k, v in params.items() if v is not None}
    if args.action == "remove":
        return "remove_external_stream", {"stream_url": args.stream_url}
    return "discover_external_streams", {
        "skydio_enabled": not args.no_skydio,
        "generic_enabled": args.generic,
        "force_rescan": args.rescan,
        "include_offline": args.include_offline,
    }


def request(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """The method and params one of these commands calls (raises ``UsageError``)."""
    if args.command == "mode":
        return _mode(args)
    if args.command == "stream":
        if args.with_token and args.action != "url":
            raise UsageError("--with-token goes with: stream url")
        if args.action == "url":
            return "get_stream_url", {"device": args.device, "with_token": args.with_token}
        return f"{args.action}_streaming", {"device": args.device}
    if args.command == "external":
        return _external(args)
    params: dict[str, Any] = {"device": args.device}
    if args.start is not None:
        params["from"] = _when(args.start)
    if args.end is not None:
        params["to"] = _when(args.end)
    return "get_recording_timeline", params


def _streams(result: dict[str, Any], key: str) -> str:
    rows = [(s.get("name"), s.get("status"), s.get("type"), s.get("url"))
            for s in result.get(key) or []]
    return output.table(rows, ("NAME", "STATUS", "TYPE", "URL"))


def _timeline(result: dict[str, Any]) -> str:
    rows: list[tuple[Any, ...]] = [
        (r.get("start_time"), r.get("end_time"), r.get("duration"),
         "recording" + (" (open)" if r.get("open") else ""), len(r.get("files") or []))
        for r in result.get("ranges") or []
    ]
    rows += [(g.get("start_time"), g.get("end_time"), g.get("duration"), f"gap: {g.get('cause')}", 0)
             for g in result.get("gaps") or []]
    rows.sort(key=lambda r: str(r[0]))
    head = output.table(rows, ("FROM", "TO", "SECONDS", "WHAT", "FILES"))
    return f"{head}\n{result.get('covered', 0)} s recorded"


def text(args: argparse.Namespace, method: str, result: Any) -> str:
    """The result as a person reads it."""
    if method == "get_external_streams":
        return _streams(result, "external_streams")
    if method == "discover_external_streams":
        return f"{_streams(result, 'discovered_streams')}\n{result.get('total_found', 0)} found"
    if method == "get_recording_timeline":
        return _timeline(result)
    return output.mapping(result)


def show(args: argparse.Namespace, method: str, result: Any) -> None:
    print(json.dumps(result, indent=2) if args.json else text(args, method, result))
