"""Snapshots and recording starts at the floor (issue 20) -> bench/results/media_floor.json.

Against the real GStreamer RTSP test camera (GOP 15 frames), read directly and, where a
MediaMTX binary is found (``find_mediamtx``, as ``make run`` finds one), through a real
MediaMTX that pulls it (a live path, as a published camera is):

- ``snapshot_live_s``: ``take_snapshot`` of the live stream by its own ffmpeg (today's way);
- ``snapshot_keyframes_s``: the same with ``storage.snapshot_keyframes`` (the snapshot copies
  the last key frame the keeper decoded);
- ``recording_first_byte_s``: ``start_recording`` until ffmpeg's first bytes are on disk;
- ``ffmpeg_start_and_exit_s``: a fresh ffmpeg that does nothing: the floor of anything that
  starts one (a recording does, so its first byte cannot come sooner without a warm one);
- ``keeper_cost`` / ``copy_reader_cost``: CPU (percent of one core) and memory (RSS and PSS,
  MB) over ``IDLE`` seconds of one camera's key-frame keeper (ffmpeg decoding key frames
  only) and, for comparison, of a plain stream-copy reader (what a pre-roll buffer of the
  current GOP would at least cost: one more RTSP reader per camera).

Service calls are timed in process; the WebSocket round trip adds about a millisecond on
loopback (bench_api's ``ping``). Run: ``PYTHONPATH=src python3 bench/bench_media_floor.py``.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from _common import ROOT, cpu_seconds, run_on_test_camera, summary, timed, until, write_results

from camera_service.config.model import StorageConfig
from camera_service.events import EventBus
from camera_service.media import MediaService, Storage
from camera_service.media.keyframes import KeyFrameKeeper
from camera_service.models import Camera, CameraKind, CameraStatus, Notification
from mediamtx.mediamtx_process import MediaMTXProcess, find_mediamtx
from support.rtsp_server import RtspTestServer

RESULTS = ROOT / "bench" / "results" / "media_floor.json"
SNAPSHOTS = 15
FIRST_BYTE_RUNS = 8
IDLE = 10.0


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


def _memory_kb(pids: list[int], key: str) -> int:
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith(key + ":"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


async def cost(pid: int) -> dict[str, float]:
    """CPU and memory of ``pid``'s process tree over ``IDLE`` seconds."""
    pids = _tree(pid)
    before, t0 = cpu_seconds(pids), time.perf_counter()
    await asyncio.sleep(IDLE)
    used = cpu_seconds(pids) - before
    return {
        "cpu_percent_of_one_core": round(100 * used / (time.perf_counter() - t0), 2),
        "rss_mb": round(_memory_kb(pids, "Rss") / 1024, 1),
        "pss_mb": round(_memory_kb(pids, "Pss") / 1024, 1),
        "processes": len(pids),
    }


@asynccontextmanager
async def service(root: Path) -> AsyncIterator[MediaService]:
    config = StorageConfig(state_dir=root, snapshots_dir=root / "snapshots",
                           recordings_dir=root / "recordings", min_free_mb=1)  # fmt: skip
    bus: EventBus[Notification] = EventBus()
    async with Storage(config) as storage, MediaService(
        config, storage, bus, lambda c: c.source_url or ""
    ) as media:
        yield media


async def floor(root: Path, url: str) -> dict[str, object]:
    camera = Camera(id="camera0", kind=CameraKind.NETWORK, name="bench",
                    status=CameraStatus.CONNECTED, source_url=url)  # fmt: skip
    async with service(root) as media:
        copier = await asyncio.create_subprocess_exec(  # keeps the stream live, as MediaMTX does
            "ffmpeg", "-v", "quiet", "-nostdin", "-rtsp_transport", "tcp", "-i", url,
            "-c", "copy", "-f", "null", "-",
        )  # fmt: skip
        try:
            await asyncio.sleep(2.0)
            copy_cost = await cost(copier.pid)
            live = [await timed(lambda: media.take_snapshot(camera, None)) for _ in range(SNAPSHOTS)]
            first_byte = []
            for _ in range(FIRST_BYTE_RUNS):
                first_byte.append(await timed(lambda: media.start_recording(camera, None, None)))
                await media.stop_recording(camera.id)
            async with KeyFrameKeeper(root / "keyframes", lambda c: c.source_url or "",
                                      quality=3, max_width=0, max_age=3.0) as keeper:  # fmt: skip
                media.key_frames = keeper
                t0 = time.perf_counter()
                keeper.track(camera)
                await until(lambda: keeper.latest(camera.id) is not None)
                first_kept = time.perf_counter() - t0
                keeper_cost = await cost(keeper.pids()[camera.id])
                kept = [
                    await timed(lambda: media.take_snapshot(camera, None)) for _ in range(SNAPSHOTS)
                ]
                media.key_frames = None
        finally:
            copier.terminate()
            await asyncio.wait_for(copier.wait(), 10)
    return {
        "snapshot_live_s": summary(live),
        "snapshot_keyframes_s": summary(kept),
        "keeper_first_key_frame_s": round(first_kept, 3),
        "recording_first_byte_s": summary(first_byte),
        "keeper_cost": keeper_cost,
        "copy_reader_cost": copy_cost,
    }


async def ffmpeg_start() -> float:
    """One ffmpeg that starts, makes one blank frame and exits: the least any recording or
    snapshot by a fresh ffmpeg takes before its first byte."""
    t0 = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        "ffmpeg", "-v", "quiet", "-nostdin", "-f", "lavfi", "-i", "nullsrc=s=16x16",
        "-frames:v", "1", "-f", "null", "-",
    )  # fmt: skip
    await asyncio.wait_for(proc.wait(), 30)
    return time.perf_counter() - t0


async def bench(root: Path, server: RtspTestServer) -> dict[str, object]:
    result: dict[str, object] = {"direct": await floor(root / "direct", server.url)}
    result["ffmpeg_start_and_exit_s"] = summary([await ffmpeg_start() for _ in range(FIRST_BYTE_RUNS)])
    binary, why = find_mediamtx()
    if binary is None:
        result["mediamtx"] = {"skipped": why}
        return result
    work = root / "mtx"
    work.mkdir()
    mtx = MediaMTXProcess(binary, work, ready_timeout=30.0,
                          env={"MTX_PATHS_CAM_SOURCE": server.url,
                               "MTX_PATHS_CAM_RTSPTRANSPORT": "tcp"})  # fmt: skip
    await mtx.start()
    try:
        result["mediamtx"] = await floor(root / "via-mtx", f"rtsp://127.0.0.1:{mtx.rtsp_port}/cam")
    finally:
        await mtx.stop()
    return result


def main() -> int:
    result = run_on_test_camera("bench_media_floor", bench)
    if result is None:
        return 0
    result["when"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    result["cpus"] = os.cpu_count()
    write_results(RESULTS, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
