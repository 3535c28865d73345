"""Request and connection counters of the API, kept in plain numbers (no I/O).

``get_metrics`` reads them directly; ``web.metrics`` exposes them to Prometheus."""

from __future__ import annotations

import math
import os
import resource
from bisect import bisect_left
from collections import deque
from dataclasses import dataclass, field

# seconds; upper bounds of the latency histogram buckets (Prometheus style, +Inf implied)
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
WINDOW = 512  # latest durations kept per method for exact percentiles


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank q-quantile of ``samples`` (0.0 when empty): always one of the samples,
    so never above their maximum."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class MethodStats:
    count: int = 0
    errors: int = 0
    total_seconds: float = 0.0
    max_seconds: float = 0.0
    buckets: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS) + 1))
    recent: deque[float] = field(default_factory=lambda: deque(maxlen=WINDOW))

    def observe(self, seconds: float, ok: bool) -> None:
        self.count += 1
        self.errors += 0 if ok else 1
        self.total_seconds += seconds
        self.max_seconds = max(self.max_seconds, seconds)
        self.buckets[bisect_left(BUCKETS, seconds)] += 1  # for Prometheus' histogram
        self.recent.append(seconds)

    def quantile(self, q: float) -> float:
        """The q-quantile of the latest ``WINDOW`` calls (exact, nearest rank)."""
        return percentile(list(self.recent), q)

    def as_json(self) -> dict[str, float | int]:
        avg = self.total_seconds / self.count if self.count else 0.0
        return {
            "count": self.count,
            "errors": self.errors,
            "avg_ms": round(avg * 1000, 3),
            "p95_ms": round(self.quantile(0.95) * 1000, 3),
            "max_ms": round(self.max_seconds * 1000, 3),
        }


@dataclass
class ApiMetrics:
    methods: dict[str, MethodStats] = field(default_factory=dict)
    active_connections: int = 0
    total_connections: int = 0
    rejected_connections: int = 0
    dropped_clients: int = 0
    notifications_sent: int = 0
    rate_limited: int = 0
    _cpu_mark: tuple[float, float] = field(default_factory=lambda: _cpu_now())

    def cpu_percent(self) -> float:
        """CPU use of the process since the previous call (or since these metrics began)."""
        wall, cpu = _cpu_now()
        last_wall, last_cpu = self._cpu_mark
        self._cpu_mark = (wall, cpu)
        elapsed = wall - last_wall
        return round(100.0 * (cpu - last_cpu) / elapsed, 2) if elapsed > 0 else 0.0

    def observe(self, method: str, seconds: float, ok: bool) -> None:
        # callers pass only known method names (unknown ones as one shared name), so a
        # client cannot grow this table
        stats = self.methods.get(method)
        if stats is None:
            stats = self.methods[method] = MethodStats()
        stats.observe(seconds, ok)

    def totals(self) -> MethodStats:
        out = MethodStats()
        for s in self.methods.values():
            out.count += s.count
            out.errors += s.errors
            out.total_seconds += s.total_seconds
            out.max_seconds = max(out.max_seconds, s.max_seconds)
            out.buckets = [a + b for a, b in zip(out.buckets, s.buckets, strict=True)]
        return out


def _cpu_now() -> tuple[float, float]:
    t = os.times()
    return t.elapsed, t.user + t.system


def process_usage() -> dict[str, float]:
    """RSS (bytes) and CPU seconds of this process, from /proc when there."""
    rss = 0
    try:
        with open("/proc/self/statm", "rb") as f:
            rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t = os.times()
    return {"rss_bytes": rss, "cpu_seconds": t.user + t.system}


def memory_percent() -> float:
    """The host's memory in use (MemTotal - MemAvailable), percent; 0.0 where unknown."""
    fields: dict[str, int] = {}
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                name, _, rest = line.partition(":")
                if name in ("MemTotal", "MemAvailable"):
                    fields[name] = int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0
    total, available = fields.get("MemTotal", 0), fields.get("MemAvailable", 0)
    return round(100.0 * (total - available) / total, 2) if total else 0.0
