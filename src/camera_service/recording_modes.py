"""Recording modes of a camera: ``off``, ``continuous``, a weekly ``schedule``, or ``motion``
(a short rolling buffer all the time, turned into a recording around each motion event:
``media.motion_buffer``). Pure: no I/O, no clock; times are given by the caller.

A schedule is a list of weekly windows in the host's time zone::

    {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "18:00"}

``start``/``end`` are ``HH:MM`` or ``HH:MM:SS``; ``end`` may be ``24:00``; an ``end`` before
``start`` runs past midnight into the next day (the window belongs to the day it opens on).
``days`` defaults to every day.

``ModeSpec`` is one camera's whole setting (mode, windows, segment length, format and an
optional per-camera retention); ``encode_modes``/``decode_modes`` are the file format of the
run-time modes kept in the state folder; ``spec_from_mapping`` checks a config section or
RPC params and raises ``ValueError`` naming the bad key.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from .statefile import decode_per_camera, encode_per_camera

MODES = ("off", "continuous", "schedule", "motion")
FORMATS = ("fmp4", "mp4", "mkv")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_SECONDS = 86400
WEEK_SECONDS = 7 * DAY_SECONDS
DEFAULT_SEGMENT_SECONDS = 300
FILE_VERSION = 1


@dataclass(frozen=True)
class Window:
    days: tuple[int, ...]  # 0 = Monday
    start: int  # seconds after local midnight
    end: int  # may be < start: runs past midnight

    def as_dict(self) -> dict[str, Any]:
        return {"days": [DAYS[d] for d in self.days], "start": _hms(self.start), "end": _hms(self.end)}


@dataclass(frozen=True)
class CameraRetention:
    max_age_days: float | None = None
    max_size_gb: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"max_age_days": self.max_age_days, "max_size_gb": self.max_size_gb}


@dataclass(frozen=True)
class ModeSpec:
    mode: str = "off"
    schedule: tuple[Window, ...] = ()
    segment_seconds: int = DEFAULT_SEGMENT_SECONDS
    format: str = "fmp4"
    retention: CameraRetention | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "schedule": [w.as_dict() for w in self.schedule],
            "segment_seconds": self.segment_seconds,
            "format": self.format,
            "retention": self.retention.as_dict() if self.retention else None,
        }


# --- time arithmetic ------------------------------------------------------------------------


def week_second(now: float) -> int:
    """Seconds since local Monday 00:00 of ``now`` (host time zone)."""
    t = time.localtime(now)
    return t.tm_wday * DAY_SECONDS + t.tm_hour * 3600 + t.tm_min * 60 + t.tm_sec


def _spans(w: Window) -> list[tuple[int, int]]:
    """The window as [start, end) ranges of week seconds (a range past Sunday wraps)."""
    length = (w.end - w.start) % DAY_SECONDS or (DAY_SECONDS if w.end != w.start else 0)
    out = []
    for d in w.days:
        s = d * DAY_SECONDS + w.start
        e = s + length
        if e <= WEEK_SECONDS:
            out.append((s, e))
        else:
            out += [(s, WEEK_SECONDS), (0, e - WEEK_SECONDS)]
    return out


def in_schedule(windows: tuple[Window, ...], ws: int) -> bool:
    return any(s <= ws < e for w in windows for s, e in _spans(w))


def wanted(spec: ModeSpec, now: float) -> bool:
    """Should this camera's ffmpeg run at wall time ``now``? (In mode ``motion`` it writes
    the pre-capture buffer all the time.)"""
    if spec.mode in ("continuous", "motion"):
        return True
    if spec.mode == "schedule":
        return in_schedule(spec.schedule, week_second(now))
    return False


def seconds_to_edge(spec: ModeSpec, now: float) -> float | None:
    """Seconds until the schedule next opens or closes (``None`` if it never changes); lets a
    caller wake exactly at the edge instead of polling."""
    if spec.mode != "schedule" or not spec.schedule:
        return None
    ws = week_second(now)
    frac = now - math.floor(now)
    edges = {x for w in spec.schedule for span in _spans(w) for x in span}
    ahead = [(e - ws) % WEEK_SECONDS for e in edges]
    ahead = [a for a in ahead if a > 0]
    return min(ahead) - frac if ahead else None


# --- checking input --------------------------------------------------------------------------


def _hms(seconds: int) -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


def parse_clock(value: Any, key: str) -> int:
    if not isinstance(value, str):
        raise ValueError(f"{key}: expected a time HH:MM, got {value!r}")
    parts = value.split(":")
    try:
        if len(parts) not in (2, 3):
            raise ValueError
        h, m, s = (int(p) for p in (*parts, "0")[:3])
    except ValueError:
        raise ValueError(f"{key}: expected a time HH:MM or HH:MM:SS, got {value!r}") from None
    total = h * 3600 + m * 60 + s
    if not (0 <= m < 60 and 0 <= s < 60 and 0 <= total <= DAY_SECONDS):
        raise ValueError(f"{key}: expected a time between 00:00 and 24:00, got {value!r}")
    return total


def parse_window(value: Any, key: str) -> Window:
    if not isinstance(value, Mapping):
        raise ValueError(f"{key}: expected a mapping with days, start and end")
    extra = set(value) - {"days", "start", "end"}
    if extra:
        raise ValueError(f"{key}.{sorted(extra)[0]}: not a window key (days, start, end)")
    days_v = value.get("days", list(DAYS))
    if isinstance(days_v, str):
        days_v = [days_v]
    if not isinstance(days_v, list) or not days_v:
        raise ValueError(f"{key}.days: expected a list of days ({', '.join(DAYS)})")
    days = []
    for d in days_v:
        if not isinstance(d, str) or d.lower()[:3] not in DAYS:
            raise ValueError(f"{key}.days: expected days among {', '.join(DAYS)}, got {d!r}")
        days.append(DAYS.index(d.lower()[:3]))
    start = parse_clock(value.get("start"), f"{key}.start")
    end = parse_clock(value.get("end"), f"{key}.end")
    if start == end:
        raise ValueError(f"{key}.end: must differ from start")
    return Window(tuple(sorted(set(days))), start % DAY_SECONDS, end)


def _positive(value: Any, key: str) -> float | None:
    if value is None:
        return None
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{key}: expected a number > 0, got {value!r}")
    return float(value)


def spec_from_mapping(data: Mapping[str, Any], base: ModeSpec | None = None, where: str = "") -> ModeSpec:
    """``base`` with the keys given in ``data`` replaced; ``ValueError`` names the bad key."""
    base = base or ModeSpec()
    p = f"{where}." if where else ""
    extra = set(data) - {"mode", "schedule", "segment_seconds", "format", "retention"}
    if extra:
        raise ValueError(f"{p}{sorted(extra)[0]}: unknown key")
    spec = base
    if "mode" in data:
        if data["mode"] not in MODES:
            raise ValueError(f"{p}mode: expected one of {', '.join(MODES)}, got {data['mode']!r}")
        spec = replace(spec, mode=data["mode"])
    if "schedule" in data:
        windows = data["schedule"] or []
        if not isinstance(windows, list):
            raise ValueError(f"{p}schedule: expected a list of windows")
        parsed = tuple(parse_window(w, f"{p}schedule[{i}]") for i, w in enumerate(windows))
        spec = replace(spec, schedule=parsed)
    if "segment_seconds" in data:
        v = data["segment_seconds"]
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= DAY_SECONDS:
            raise ValueError(f"{p}segment_seconds: expected an integer 1..{DAY_SECONDS}, got {v!r}")
        spec = replace(spec, segment_seconds=v)
    if "format" in data:
        if data["format"] not in FORMATS:
            raise ValueError(f"{p}format: expected one of {', '.join(FORMATS)}, got {data['format']!r}")
        spec = replace(spec, format=data["format"])
    if "retention" in data:
        r = data["retention"]
        if r is None:
            spec = replace(spec, retention=None)
        elif not isinstance(r, Mapping) or set(r) - {"max_age_days", "max_size_gb"}:
            raise ValueError(f"{p}retention: expected a mapping with max_age_days and/or max_size_gb")
        else:
            ret = CameraRetention(
                _positive(r.get("max_age_days"), f"{p}retention.max_age_days"),
                _positive(r.get("max_size_gb"), f"{p}retention.max_size_gb"),
            )
            spec = replace(spec, retention=ret if ret != CameraRetention() else None)
    if spec.mode == "schedule" and not spec.schedule:
        raise ValueError(f"{p}schedule: mode 'schedule' needs at least one window")
    return spec


# --- the state-folder file -------------------------------------------------------------------


def encode_modes(specs: Mapping[str, ModeSpec]) -> str:
    return encode_per_camera(specs, FILE_VERSION)


def decode_modes(text: str) -> dict[str, ModeSpec]:
    """Raises ``ValueError`` saying what is wrong."""
    return decode_per_camera(text, FILE_VERSION, lambda data, where: spec_from_mapping(data, where=where))
