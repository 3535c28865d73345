"""MediaMTX durations (``"10s"``, ``"1m30s"``, ``"500ms"``, ``"2d"``): format and parse.

MediaMTX reads and writes durations as Go ``time.Duration`` strings, with days as an extra
unit, and answers with its own canonical form (``"60s"`` comes back as ``"1m0s"``). The
reconciler compares durations by value, so a path is never replaced just because MediaMTX
spelled a duration its way. Pure functions, no I/O.
"""

from __future__ import annotations

import math
import re

_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
    "d": 86400.0,
}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)")


def format_duration(seconds: float) -> str:
    """Seconds as MediaMTX writes them: ``10.0 → "10s"``, ``90 → "1m30s"``,
    ``0.5 → "500ms"``, ``0 → "0s"``. Rounded to the millisecond; negatives are refused."""
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"duration must be a finite number >= 0, not {seconds!r}")
    ms = round(seconds * 1000)
    if ms == 0:
        return "0s"
    if ms < 1000:
        return f"{ms}ms"
    out = ""
    days, ms = divmod(ms, 86_400_000)
    if days:
        out += f"{days}d"
    if ms == 0:
        return out
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    if hours:
        out += f"{hours}h"
    if hours or minutes:
        out += f"{minutes}m"
    out += f"{secs}.{ms:03d}".rstrip("0").rstrip(".") + "s"
    return out


def parse_duration(text: str) -> float:
    """A MediaMTX/Go duration string in seconds; ``ValueError`` when it is not one."""
    s = text.strip()
    sign = 1.0
    if s[:1] in "+-" and s:
        sign = -1.0 if s[0] == "-" else 1.0
        s = s[1:]
    if s == "0":
        return 0.0
    pos, total = 0, 0.0
    while pos < len(s):
        m = _PART.match(s, pos)
        if m is None:
            raise ValueError(f"not a duration: {text!r}")
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if pos == 0:
        raise ValueError(f"not a duration: {text!r}")
    return sign * total


def same_duration(a: object, b: object) -> bool:
    """Whether two duration strings mean the same time (to the millisecond)."""
    if not isinstance(a, str) or not isinstance(b, str):
        return False
    try:
        return abs(parse_duration(a) - parse_duration(b)) < 5e-4
    except ValueError:
        return False
