"""Continuous recording benchmark -> bench/results/continuous.json.

Against the real GStreamer RTSP test camera serving 1280x720 at 15 fps H.264, through the
real ``Recorder`` and ``Storage`` (stream copy, fmp4, 10 s segments):

- CPU seconds per minute of continuous recording: the recording ffmpeg (and its lifeline
  wrapper) from ``/proc``, and this process (the recorder's loop), measured over
  ``MEASURE`` seconds and scaled to a minute; as a share of one core;
- after ``SWITCHES`` mode switches (continuous ↔ off, each awaited until it took effect):
  ffmpeg processes left behind and files left open under the recordings folder (must be 0).

Run: ``PYTHONPATH=src /usr/bin/python3 bench/bench_continuous.py`` (or ``make bench``).
"""

from __future__ import annotations

import asyncio
import os
import resource
import sys
import time
from pathlib import Path

from _common import ROOT, cpu_seconds, machine, run_on_test_camera, until, write_results

from camera_service.cameras.registry import CameraRegistry
from camera_service.config.model import RecordingConfig, StorageConfig
from camera_service.events import EventBus
from camera_service.media.recorder import Recorder
from camera_service.media.recorder_policy import Phase
from camera_service.media.storage import Storage
from camera_service.models import Camera, CameraKind, CameraStatus, Notification
from camera_service.recording_modes import ModeSpec
from support.rtsp_server import RtspTestServer

RESULTS = ROOT / "bench" / "results" / "continuous.json"
MEASURE = 30.0
SWITCHES = 50


def ffmpeg_under(marker: str) -> list[int]:
    """ffmpeg (and lifeline wrapper) processes whose command line names our folder."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{entry}/stat") as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in cmd and "ffmpeg" in cmd and state != "Z":
            found.append(int(entry))
    return found


def open_files_under(folder: Path) -> list[str]:
    """Every file descriptor of any process that points into ``folder``."""
    hits = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir(f"/proc/{entry}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(f"/proc/{entry}/fd/{fd}")
            except OSError:
                continue
            if target.startswith(str(folder)):
                hits.append(f"{entry}:{target}")
    return hits


async def bench(root: Path, server: RtspTestServer) -> dict[str, object]:
    config = StorageConfig(state_dir=root, snapshots_dir=root / "snapshots",
                           recordings_dir=root / "recordings", min_free_mb=1)  # fmt: skip
    registry = CameraRegistry()
    registry.upsert(Camera("camera0", CameraKind.NETWORK, "bench", CameraStatus.CONNECTED,
                           source_url=server.url))  # fmt: skip
    bus: EventBus[Notification] = EventBus()
    spec = ModeSpec("continuous", segment_seconds=10)
    own_fds = len(os.listdir("/proc/self/fd"))
    async with Storage(config) as storage, Recorder(
        RecordingConfig(default=spec), storage, registry, bus, lambda c: c.source_url or ""
    ) as recorder:
        worker = recorder.workers["camera0"]
        await until(lambda: worker.phase is Phase.RECORDING, every=0.05)
        await asyncio.sleep(2.0)  # past the start
        pids = ffmpeg_under(str(root))
        ff0, me0, t0 = cpu_seconds(pids), _self_cpu(), time.monotonic()
        await asyncio.sleep(MEASURE)
        ff1, me1, wall = cpu_seconds(pids), _self_cpu(), time.monotonic() - t0
        recorded = len(recorder.store.camera("camera0").segments)

        t_switch = time.monotonic()
        for i in range(SWITCHES):
            mode = "off" if i % 2 == 0 else "continuous"
            await recorder.set_mode("camera0", {"mode": mode})
            want = Phase.IDLE if mode == "off" else Phase.RECORDING
            await until(lambda want=want: worker.phase is want, every=0.05)  # type: ignore[misc]
        switch_wall = time.monotonic() - t_switch
    await asyncio.sleep(0.5)
    per_minute_ffmpeg = (ff1 - ff0) / wall * 60
    per_minute_self = (me1 - me0) / wall * 60
    return {
        "stream": "1280x720 15 fps H.264 (GStreamer RTSP test camera), stream copy, fmp4, 10 s segments",
        "measured_s": round(wall, 1),
        "cpu_s_per_minute_ffmpeg": round(per_minute_ffmpeg, 3),
        "cpu_s_per_minute_service": round(per_minute_self, 3),
        "cpu_percent_of_one_core": round(100 * (per_minute_ffmpeg + per_minute_self) / 60, 3),
        "segments_closed_while_measuring": recorded,
        "mode_switches": SWITCHES,
        "mode_switches_wall_s": round(switch_wall, 1),
        "ffmpeg_left_behind": len(ffmpeg_under(str(root))),
        "files_left_open": len(open_files_under(root)),
        "service_fds_leaked": len(os.listdir("/proc/self/fd")) - own_fds,
    }


def _self_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> int:
    result = run_on_test_camera("bench_continuous", bench, size="1280x720")
    if result is None:
        return 0
    result["machine"] = machine()
    write_results(RESULTS, result)
    bad = result["ffmpeg_left_behind"] or result["files_left_open"] or result["service_fds_leaked"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
