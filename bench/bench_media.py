"""Media benchmark -> bench/results/media.json.

Against the real GStreamer RTSP test camera (tests/support/rtsp_test_camera.py), through the
real MediaService and Storage:

- snapshot latency p50/p99 over 20 snapshots of a live stream (another reader keeps the
  camera's pipeline running, as MediaMTX does for a published path), and the same "cold"
  (nobody else reading, so the camera's encoder starts per snapshot);
- recording start-to-first-byte latency: ``start_recording`` returns once ffmpeg has put the
  first bytes on disk;
- ffmpeg processes left behind after 100 start/stop cycles (must be 0);
- recording resumed after the camera restarts: a recording in progress, the camera killed
  (the recording pauses), the camera started again on the same port; from the camera
  answering again to the ``recording_status_update`` that says ``resumed`` (the resume
  attempts back off to 2 s, and the new piece waits for its first bytes on disk).

Run: ``PYTHONPATH=src /usr/bin/python3 bench/bench_media.py`` (or ``make bench``).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

from _common import ROOT, machine, run_on_test_camera, summary, timed, until, write_results

from camera_service.config.model import StorageConfig
from camera_service.events import EventBus
from camera_service.media import MediaService, Storage
from camera_service.models import Camera, CameraKind, CameraStatus, Notification
from support.rtsp_server import RtspTestServer

RESULTS = ROOT / "bench" / "results" / "media.json"
SNAPSHOTS = 20
FIRST_BYTE_RUNS = 10
CYCLES = 100
RESUME_RUNS = 5


def ffmpeg_children(marker: str) -> list[int]:
    """ffmpeg processes that are our children or write under our temporary folder."""
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        state = stat[stat.rindex(")") + 2 :].split()[0]
        if comm.startswith("ff") and (ppid == me or marker in cmdline) and state != "Z":
            found.append(int(entry))
    return found


async def resume_time(
    media: MediaService, bus: EventBus[Notification], camera: Camera, server: RtspTestServer
) -> float:
    """A recording, its camera killed and back: seconds from the camera answering again to
    the notification that the recording resumed."""
    seen: list[str] = []
    unsubscribe = bus.subscribe(lambda n: seen.append(str(n.params.get("phase"))))
    try:
        await media.start_recording(camera, None, "fmp4")
        await asyncio.sleep(1.0)  # some recording
        server.kill()
        await until(lambda: "paused" in seen)
        await asyncio.to_thread(server.start)
        back = time.perf_counter()
        await until(lambda: "resumed" in seen)
        took = time.perf_counter() - back
        await media.stop_recording(camera.id)
        return took
    finally:
        unsubscribe()


async def bench(root: Path, server: RtspTestServer) -> dict[str, object]:
    config = StorageConfig(
        state_dir=root,
        snapshots_dir=root / "snapshots",
        recordings_dir=root / "recordings",
        min_free_mb=1,
    )
    camera = Camera(
        id="camera0",
        kind=CameraKind.NETWORK,
        name="bench",
        status=CameraStatus.CONNECTED,
        source_url=server.url,
    )
    bus: EventBus[Notification] = EventBus()
    async with Storage(config) as storage, MediaService(
        config, storage, bus, lambda c: c.source_url or ""
    ) as media:
        cold = [await timed(lambda: media.take_snapshot(camera, None)) for _ in range(SNAPSHOTS)]

        keeper = await asyncio.create_subprocess_exec(  # another reader keeps the stream live
            "ffmpeg", "-v", "quiet", "-nostdin", "-rtsp_transport", "tcp", "-i", server.url,
            "-c", "copy", "-f", "null", "-",
        )  # fmt: skip
        try:
            await asyncio.sleep(2.0)
            warm = [
                await timed(lambda: media.take_snapshot(camera, None)) for _ in range(SNAPSHOTS)
            ]
            first_byte = []
            for _ in range(FIRST_BYTE_RUNS):
                first_byte.append(await timed(lambda: media.start_recording(camera, None, None)))
                await media.stop_recording(camera.id)
        finally:
            keeper.terminate()
            await asyncio.wait_for(keeper.wait(), 10)

        resumed = [await resume_time(media, bus, camera, server) for _ in range(RESUME_RUNS)]

        failures = 0
        stop_times = []
        t0 = time.perf_counter()
        for _ in range(CYCLES):
            try:
                await media.start_recording(camera, None, "fmp4")
                stop_times.append(await timed(lambda: media.stop_recording(camera.id)))
            except Exception as e:  # noqa: BLE001 - count it and go on
                failures += 1
                print("cycle failed:", e, file=sys.stderr)
        cycles_wall = time.perf_counter() - t0
    await asyncio.sleep(0.5)
    left = ffmpeg_children(str(root))
    return {
        "snapshot_latency_s": {**summary(warm), "stream": "live (another reader connected)"},
        "snapshot_latency_cold_s": {**summary(cold), "stream": "camera idle before each"},
        "recording_first_byte_s": summary(first_byte),
        "start_stop_cycles": CYCLES,
        "start_stop_failures": failures,
        "start_stop_wall_s": round(cycles_wall, 2),
        "stop_latency_s": summary(stop_times) if stop_times else None,
        "recording_resumed_after_camera_restart_s": summary(resumed),
        "ffmpeg_left_behind": len(left),
    }


def main() -> int:
    result = run_on_test_camera("bench_media", bench)
    if result is None:
        return 0
    result["machine"] = machine()
    write_results(RESULTS, result)
    return 1 if result["ffmpeg_left_behind"] or result["start_stop_failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
