"""Motion detection benchmark -> bench/results/motion.json.

Honest numbers, whatever they are:

- ``detector_ms_per_frame`` / ``detector_core_percent``: CPU time (``process_time``) of the
  pure detector on 320x180 frames, and the share of one core that is at 5 frames a second.
- ``pipeline_core_percent``: the whole per-camera cost for ``PIPELINE_SECONDS``: ffmpeg
  (decoding a live 1280x720 15 fps source and scaling it to 320x180 gray at 5 fps; the
  source here is lavfi's testsrc2, so ffmpeg also *generates* the picture, which a camera
  does not ask of it) plus this process's reading and detecting, as a share of one core.
- ``start_latency_s``: from the frame in which a box enters a live picture (lavfi, in real
  time) to the tracker's ``started``, over ``LATENCY_RUNS`` runs (p50, p95, max); a frame's
  wall time is the wall time of the first frame plus its pts.
- ``false_events_per_hour``: events on ``NOISE_MINUTES`` minutes of a still scene with
  sensor noise (an H.264 file made with lavfi, read as fast as it decodes).

Run: ``PYTHONPATH=src /usr/bin/python3 bench/bench_motion.py`` (or ``make bench``).
"""

from __future__ import annotations

import asyncio
import math
import os
import platform
import resource
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import ROOT, percentile, write_results

from camera_service.media.frames import FrameReader
from camera_service.models import LAVFI_PREFIX
from camera_service.motion.detector import MotionDetector
from camera_service.motion.tracker import EventTracker, TrackerSettings

RESULTS = ROOT / "bench" / "results" / "motion.json"
PIPELINE_SECONDS = 20
LATENCY_RUNS = 5
NOISE_MINUTES = 30
ENTRY = 3.0  # seconds into the live picture when the box enters


def detector_cost() -> float:
    rng = np.random.default_rng(1)
    base = rng.uniform(40, 200, size=(180, 320)).astype(np.float32)
    frames = [np.clip(base + rng.normal(0, 6, base.shape), 0, 255).astype(np.uint8) for _ in range(50)]
    det = MotionDetector()
    start = time.process_time()
    for i in range(500):
        det.detect(frames[i % len(frames)])
    return (time.process_time() - start) / 500 * 1000


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def pipeline_cost() -> float:
    det = MotionDetector()
    own, kids, wall = time.process_time(), children_cpu(), time.monotonic()
    source = LAVFI_PREFIX + "testsrc2=size=1280x720:rate=15"
    async with FrameReader(source, camera_id="bench") as reader:
        async for frame in reader.frames():
            det.detect(frame.data)
            if time.monotonic() - wall >= PIPELINE_SECONDS:
                break
    await asyncio.sleep(0.5)  # the child is reaped: its CPU is in RUSAGE_CHILDREN
    used = (time.process_time() - own) + (children_cpu() - kids)
    return used / (time.monotonic() - wall) * 100


async def start_latency() -> float:
    box = (f"smptebars=size=1280x720:rate=15[s];color=white:size=160x160:rate=15[b];"
           f"[s][b]overlay=x='-160+(t-{ENTRY})*400':y=280:enable='gte(t,{ENTRY})'")  # fmt: skip
    det, tracker = MotionDetector(), EventTracker(TrackerSettings(2, 2.0))
    first_wall: float | None = None
    async with FrameReader(LAVFI_PREFIX + box, camera_id="bench") as reader:
        async for frame in reader.frames():
            now = time.time()
            if first_wall is None:
                first_wall = now - frame.pts
            step = tracker.feed(now, det.detect(frame.data))
            if step.change is not None and step.change.kind == "started":
                return now - (first_wall + ENTRY)
            if frame.pts > ENTRY + 10:
                break
    return math.inf


def false_events(folder: Path) -> tuple[int, float]:
    clip = folder / "noise.mkv"
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
         "smptebars=size=320x180:rate=5,noise=alls=16:allf=t", "-t", str(NOISE_MINUTES * 60),
         "-c:v", "libx264", "-preset", "ultrafast", "-crf", "20", "-pix_fmt", "yuv420p", str(clip)],
        check=True, timeout=600,
    )  # fmt: skip

    async def count() -> tuple[int, float]:
        det, tracker, events, last = MotionDetector(), EventTracker(), 0, 0.0
        async with FrameReader(str(clip), camera_id="bench") as reader:
            async for frame in reader.frames():
                last = frame.pts
                step = tracker.feed(frame.pts, det.detect(frame.data))
                events += step.change is not None and step.change.kind == "started"
        return events, last

    return asyncio.run(count())


def main() -> None:
    ms = detector_cost()
    pipeline = asyncio.run(pipeline_cost())
    latencies = [asyncio.run(start_latency()) for _ in range(LATENCY_RUNS)]
    with tempfile.TemporaryDirectory() as tmp:
        events, seconds = false_events(Path(tmp))
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "detector_ms_per_frame": round(ms, 3),
        "detector_core_percent": round(ms * 5 / 1000 * 100, 2),
        "pipeline_core_percent": round(pipeline, 2),
        "pipeline_note": "ffmpeg also generates the 1280x720 test picture here",
        "start_latency_s": {
            "runs": len(latencies),
            "p50": round(percentile(latencies, 50), 3),
            "p95": round(percentile(latencies, 95), 3),
            "max": round(max(latencies), 3),
        },
        "false_events": events,
        "noise_seconds": round(seconds, 1),
        "false_events_per_hour": round(events / max(seconds, 1) * 3600, 2),
        "goals": {"detector_core_percent": "< 3", "start_latency_p95_s": "< 0.5",
                  "false_events_per_hour": "0"},
    }  # fmt: skip
    write_results(RESULTS, result)


if __name__ == "__main__":
    main()
