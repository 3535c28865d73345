"""Readable tables and lines for ``camera-ctl`` (``--json`` prints results unchanged)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any


def table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> str:
    cells = [[str(h) for h in headers]] + [["-" if v is None else str(v) for v in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def human_size(n: Any) -> str:
    if not isinstance(n, int | float):
        return "-"
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def cameras(result: dict[str, Any]) -> str:
    rows = [
        (
            c.get("device"),
            c.get("status"),
            c.get("name"),
            c.get("resolution"),
            c.get("fps"),
            (c.get("streams") or {}).get("rtsp"),
        )
        for c in result.get("cameras", [])
    ]
    head = table(rows, ("DEVICE", "STATUS", "NAME", "RESOLUTION", "FPS", "RTSP"))
    return f"{head}\n{result.get('total', 0)} camera(s), {result.get('connected', 0)} connected"


def mapping(result: Any, indent: str = "") -> str:
    if not isinstance(result, dict):
        return json.dumps(result)
    lines = []
    for key, value in result.items():
        if isinstance(value, dict) and value:
            lines.append(f"{indent}{key}:")
            lines.append(mapping(value, indent + "  "))
        elif isinstance(value, list):
            lines.append(f"{indent}{key}: {', '.join(map(str, value)) if value else '-'}")
        else:
            lines.append(f"{indent}{key}: {'-' if value is None else value}")
    return "\n".join(lines)


def files(kind: str, result: dict[str, Any]) -> str:
    rows = [
        (f.get("filename"), human_size(f.get("file_size")), f.get("modified_time"))
        for f in result.get("files", [])
    ]
    head = table(rows, ("FILENAME", "SIZE", "MODIFIED"))
    return f"{kind}:\n{head}\n{len(rows)} of {result.get('total', 0)}"


def notification(note: dict[str, Any]) -> str:
    params = note.get("params") or {}
    bits = [str(note.get("method"))]
    for key in ("device", "status", "filename", "name", "resolution", "duration"):
        if params.get(key) is not None:
            bits.append(f"{key}={params[key]}")
    return " ".join(bits)


def status(result: dict[str, Any]) -> str:
    """``get_status``: the overall status, then each component's one-line state."""
    lines = [f"status: {result.get('status', '-')}  (version {result.get('version', '-')}, "
             f"up {result.get('uptime', 0):.0f} s)"]  # fmt: skip
    for name, text in (result.get("components") or {}).items():
        lines.append(f"  {name}: {text}")
    return "\n".join(lines)
