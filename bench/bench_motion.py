"""Motion detection benchmark -> bench/results/motion.json.

Honest numbers, whatever they are:

- ``detector_ms_per_frame`` / ``detector_core_percent``: CPU time (``process_time``) of the
  pure detector on 320x180 frames, and the share of one core that is at 5 frames a second.
- ``pipeline_core_percent``: the whole per-camera cost for ``PIPELINE_SECONDS``: ffmpeg
  (decoding a live 1280x720 15 fps source and scaling every frame to 320x180, of which
  this process keeps 5 a second; the
  source here is lavfi's testsrc2, so ffmpeg also *generates* the picture, which a camera
  does not ask of it) plus this process's reading and detecting, as a share of one core.
- ``start_latency_s``: from the moment a box enters a live picture to the tracker's
  ``started``, over ``LATENCY_RUNS`` runs (p50, p95, max), end to end as from a camera: a
  process of its own draws 1280x720 frames at 15 fps (a still scene, then a white box
  entering from the left, in a different phase of the detector's 5 fps each run), an ffmpeg
  encodes them live
  (x264, zerolatency) into a FIFO, and the ``FrameReader`` decodes them; the time starts when
  the first frame with the box is handed to the encoder, and ends when the event is saved
  (SQLite, as the worker saves it before it announces it). (Measured before from the pts of a
  lavfi picture instead, which could not see how long ffmpeg held a frame back.)
  ``frame_delay_s``: from handing a frame to the encoder to the reader yielding it (the frame
  number is drawn in the picture's top rows, which a mask hides from the detector).
- ``false_events_per_hour``: events on ``NOISE_MINUTES`` minutes of a still scene with
  sensor noise (an H.264 file made with lavfi, read as fast as it decodes).

Run: ``PYTHONPATH=src /usr/bin/python3 bench/bench_motion.py`` (or ``make bench``).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import multiprocessing
import os
import platform
import resource
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import ROOT, percentile, write_results

from camera_service.media.event_store import EventStore, StoredEvent
from camera_service.media.frames import FrameReader
from camera_service.models import LAVFI_PREFIX
from camera_service.motion.detector import DetectorSettings, MotionDetector
from camera_service.motion.tracker import EventTracker, TrackerSettings

RESULTS = ROOT / "bench" / "results" / "motion.json"
PIPELINE_SECONDS = 20
LATENCY_RUNS = 9
NOISE_MINUTES = 30
ENTRY = 3.0  # seconds into the live picture when the box enters
W, H, RATE = 1280, 720, 15  # the live camera's picture
BITS = 10  # the frame number, drawn in the top rows (BITS blocks of 64x32, bright for 1)


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
    source = LAVFI_PREFIX + "testsrc2=size=1280x720:rate=15"  # every frame read, 5 a second kept
    async with FrameReader(source, camera_id="bench") as reader:
        async for frame in reader.frames():
            det.detect(frame.data)
            if time.monotonic() - wall >= PIPELINE_SECONDS:
                break
    await asyncio.sleep(0.5)  # the child is reaped: its CPU is in RUSAGE_CHILDREN
    used = (time.process_time() - own) + (children_cpu() - kids)
    return used / (time.monotonic() - wall) * 100


def scenes(count: int = 6) -> list[np.ndarray]:
    """A still picture of gray blocks with a little sensor noise, in ``count`` variants."""
    rng = np.random.default_rng(1)
    coarse = rng.uniform(40, 200, size=(H // 80 + 1, W // 80 + 1)).astype(np.float32)
    big = np.kron(coarse, np.ones((80, 80), dtype=np.float32))[:H, :W]
    return [np.clip(big + rng.normal(0, 4, big.shape), 0, 255).astype(np.uint8) for _ in range(count)]


SENT = 1 << BITS  # frames a run may last


def camera(fd: int, entry: int, sent: Any) -> None:
    """In a process of its own (so that it takes no time from the reader's): writes yuv420p
    frames to ``fd`` (the encoder's stdin) at ``RATE``, as a camera delivers them; the box
    is in frame ``entry`` onwards; ``sent[i]`` is the wall time frame ``i`` was handed over."""
    backgrounds, chroma = scenes(), bytes([128]) * (W * H // 2)
    start = time.monotonic()
    with contextlib.suppress(OSError), open(fd, "wb", buffering=0, closefd=False) as out:
        for i in range(SENT):  # until the encoder goes away (or the numbers run out)
            y = backgrounds[i % len(backgrounds)].copy()
            if i >= entry:  # 40 px of the 160 px box show in its first frame, 400 px/s
                x = -120 + (i - entry) * 400 // RATE
                y[280:440, max(0, x):max(0, min(W, x + 160))] = 250
            for b in range(BITS):
                y[0:32, b * 64:(b + 1) * 64] = 240 if (i >> b) & 1 else 16
            delay = start + i / RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            sent[i] = time.time()
            out.write(y.tobytes() + chroma)


def frame_number(gray: np.ndarray) -> int:
    row = gray[4, [b * 16 + 8 for b in range(BITS)]]  # the blocks' centres at 320x180
    return sum(1 << b for b in range(BITS) if row[b] > 128)


TOP = (((0.0, 0.0), (1.0, 0.0), (1.0, 0.1), (0.0, 0.1)),)  # the frame number's rows


async def start_latency(run: int, folder: Path, delays: list[float]) -> float:
    entry = int(ENTRY * RATE) + run % 3  # the three phases of 15 fps against 5 fps
    fifo = folder / f"camera{run}.nut"
    os.mkfifo(fifo)
    encoder = subprocess.Popen(  # noqa: ASYNC220 (started once per run, before any timing)
        ["ffmpeg", "-hide_banner", "-loglevel", "fatal", "-f", "rawvideo", "-pix_fmt", "yuv420p",
         "-s", f"{W}x{H}", "-framerate", str(RATE), "-i", "pipe:0", "-c:v", "libx264",
         "-preset", "ultrafast", "-tune", "zerolatency", "-g", str(RATE), "-f", "nut",
         "-flush_packets", "1", "-y", str(fifo)],
        stdin=subprocess.PIPE,
    )  # fmt: skip
    assert encoder.stdin is not None
    fork = multiprocessing.get_context("fork")
    sent = fork.Array("d", SENT, lock=False)  # shared with the camera's process
    writer = fork.Process(target=camera, args=(encoder.stdin.fileno(), entry, sent), daemon=True)
    writer.start()
    det, tracker = MotionDetector(DetectorSettings(masks=TOP)), EventTracker(TrackerSettings(2, 2.0))

    def camera_off() -> None:  # first: then the reader's ffmpeg reads the end of its input
        writer.kill()
        writer.join(10)
        encoder.kill()  # a camera that goes away (terminated, it would still write its end)
        encoder.wait(10)
        with contextlib.suppress(OSError):
            encoder.stdin.close()  # type: ignore[union-attr]

    try:
        async with EventStore(folder) as store, \
                FrameReader(str(fifo), camera_id="bench", live=True) as reader:
            try:
                async for frame in reader.frames():
                    now = time.time()
                    number = frame_number(frame.data)
                    if RATE < number < SENT and sent[number]:  # after the start's burst
                        delays.append(now - sent[number])
                    step = tracker.feed(now, det.detect(frame.data))
                    if step.change is not None and step.change.kind == "started" and sent[entry]:
                        # the worker saves the event, then announces it: the save is in the time
                        await store.save(StoredEvent(f"bench{run}", "bench", now, None, now, 1.0, now))
                        return time.time() - sent[entry]
                    if sent[entry] and now - sent[entry] > 10:
                        break
            finally:
                camera_off()
    finally:
        camera_off()
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
    delays: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        latencies = [asyncio.run(start_latency(run, Path(tmp), delays)) for run in range(LATENCY_RUNS)]
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
        "frame_delay_s": {"p50": round(percentile(delays, 50), 3), "p95": round(percentile(delays, 95), 3)},
        "load_average_1min": round(os.getloadavg()[0], 2),
        "false_events": events,
        "noise_seconds": round(seconds, 1),
        "false_events_per_hour": round(events / max(seconds, 1) * 3600, 2),
        "goals": {"detector_core_percent": "< 3", "start_latency_p95_s": "< 0.5",
                  "false_events_per_hour": "0"},
    }  # fmt: skip
    write_results(RESULTS, result)


if __name__ == "__main__":
    main()
