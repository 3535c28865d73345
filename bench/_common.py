"""What the benchmarks share. Importing it puts ``src`` and ``tests`` first on ``sys.path``
(a bench imports ``camera_service`` and the test helpers, ``support.*``, as they are in the
tree). Not a bench itself: ``make bench`` runs ``bench/bench_*.py`` only.

- ``percentile`` (nearest rank) and ``summary`` (seconds: runs, p50, p99, mean, min, max);
- ``timed`` and ``until``, the bounded wait of a bench; ``cpu_seconds`` of processes;
- ``machine()``: what the numbers were measured on; ``write_results``: the JSON file and
  stdout;
- ``run_on_test_camera``: a bench against the GStreamer RTSP test camera in a temporary
  folder, or the reason it cannot run here.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from support.rtsp_server import RtspTestServer, available  # noqa: E402

R = TypeVar("R")
TICKS = os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values: list[float]) -> dict[str, float | int]:
    return {
        "runs": len(values),
        "p50": round(percentile(values, 50), 4),
        "p99": round(percentile(values, 99), 4),
        "mean": round(statistics.fmean(values), 4),
        "min": round(min(values), 4),
        "max": round(max(values), 4),
    }


async def timed(fn: Callable[[], Awaitable[object]]) -> float:
    t0 = time.perf_counter()
    await fn()
    return time.perf_counter() - t0


async def until(check: Callable[[], bool], limit: float = 30.0, every: float = 0.01) -> None:
    """Until ``check()``, looked at every ``every`` seconds; TimeoutError after ``limit``."""
    deadline = time.perf_counter() + limit
    while not check():
        if time.perf_counter() > deadline:
            raise TimeoutError("not within the limit")
        await asyncio.sleep(every)


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes ``pids`` have used so far (one that has gone
    counts nothing)."""
    ticks = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / TICKS


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "ffmpeg": subprocess.run(
            ["ffmpeg", "-version"], capture_output=True, text=True, check=False
        ).stdout.split("\n")[0],
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def write_results(path: Path, result: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


def run_on_test_camera(
    name: str, bench: Callable[[Path, RtspTestServer], Coroutine[Any, Any, R]], **camera: Any
) -> R | None:
    """``bench(temporary folder, camera)`` run to its end, the camera an ``RtspTestServer(
    **camera)``; None (and the reason on stderr) where the test camera cannot run here."""
    reason = available()
    if reason:
        print(f"{name} skipped: {reason}", file=sys.stderr)
        return None
    with tempfile.TemporaryDirectory(prefix=f"{name.replace('_', '-')}-") as tmp, \
            RtspTestServer(**camera) as server:
        return asyncio.run(bench(Path(tmp), server))
