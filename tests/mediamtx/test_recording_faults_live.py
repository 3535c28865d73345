"""Recordings through MediaMTX's faults (suite ``mediamtx``; skipped without a binary), with
the test-pattern camera, which MediaMTX publishes on demand and the service can read
directly while MediaMTX is down:

* a timed recording through a SIGKILL or a restart of MediaMTX pauses with the cause, goes
  on from the direct source, goes back to MediaMTX when it returns, ends at the asked
  recorded length, and is one file that plays end to end;
* a continuous recording goes back to the MediaMTX path within a second of MediaMTX being
  noticed back, with never two encoders of the camera at once, and every break a gap with
  its cause.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from mediamtx_support import T
from test_mediamtx_live import PATTERN, Live, live  # noqa: F401 - the fixture

from camera_service.config.model import RecordingConfig, StorageConfig
from camera_service.events import EventBus
from camera_service.media.recorder import Recorder
from camera_service.media.service import MediaService
from camera_service.media.storage import Storage
from camera_service.models import LAVFI_PREFIX, Notification
from camera_service.recording_modes import ModeSpec
from support.cmdlines import ffmpeg_argvs

pytestmark = pytest.mark.mediamtx

FPS = PATTERN.mode.fps if PATTERN.mode else 10.0
FRAME = 1 / FPS
GOP = 3.0  # the direct source's encoder: a key frame every 30 frames (MediaMTX's: every 10)


def storage(tmp_path: Path) -> StorageConfig:
    return StorageConfig(state_dir=tmp_path, snapshots_dir=tmp_path / "snapshots",
                         recordings_dir=tmp_path / "recordings", min_free_mb=1,
                         snapshot_timeout=T, stop_timeout=T)  # fmt: skip


def encoders(markers: tuple[bytes, ...]) -> int:
    """ffmpeg processes generating this test's test pattern now (ours reading it directly,
    writing where ``markers`` say, and its MediaMTX's on-demand publisher, publishing to
    its port): each is an encoder of camera0. Other tests' processes do not count."""
    return sum(1 for args in ffmpeg_argvs()
               if b"lavfi" in args and any(m in a for a in args for m in markers))


class Sampler:
    """Counts encoders every 20 ms in a thread; ``most`` is the highest count seen."""

    def __init__(self, *markers: bytes) -> None:
        self.markers = markers
        self.most = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.most = max(self.most, encoders(self.markers))
            self.samples += 1

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(T)


def decode_errors(path: Path, lost: int) -> str:
    """ffmpeg decodes the whole file (as in tests/media/test_resumed_recordings.py: each of
    the ``lost`` streams may end in one frame cut short)."""
    r = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-fps_mode", "vfr", "-f", "null", "-"],
                       capture_output=True, text=True, timeout=6 * T, check=False)  # fmt: skip
    if r.returncode != 0:
        return f"exit {r.returncode}: {r.stderr}"
    cut = r.stderr.count("Error while decoding")
    return "" if cut <= lost and (cut or not r.stderr.strip()) else r.stderr.strip()


def frames_and_duration(path: Path) -> tuple[int, float]:
    r = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                        "-show_entries", "stream=nb_read_frames:format=duration",
                        "-of", "default=nw=1:nk=1", str(path)],
                       capture_output=True, text=True, timeout=6 * T, check=True)  # fmt: skip
    frames, duration = r.stdout.split()[:2]
    return int(frames), float(duration)


async def until(check: Callable[[], bool], what: str, limit: float = 3 * T) -> float:
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < limit, f"not within {limit}s: {what}"
        await asyncio.sleep(0.05)
    return time.monotonic() - start


@pytest.fixture
def statuses() -> Iterator[tuple[EventBus[Notification], list[dict[str, object]]]]:
    bus: EventBus[Notification] = EventBus()
    seen: list[dict[str, object]] = []
    unsubscribe = bus.subscribe(
        lambda n: seen.append(n.params) if n.method == "recording_status_update" else None)
    yield bus, seen
    unsubscribe()


@pytest.mark.parametrize("fault", ["kill", "restart"])
async def test_a_timed_recording_goes_through_mediamtx_dying_and_returning(
    live: Live, tmp_path: Path, fault: str,  # noqa: F811 - the fixture
    statuses: tuple[EventBus[Notification], list[dict[str, object]]],
) -> None:
    bus, seen = statuses
    live.registry.upsert(PATTERN)
    asked = 10.0
    async with Storage(storage(tmp_path)) as files, MediaService(
        storage(tmp_path), files, bus, live.service.reader_url, start_timeout=2 * T
    ) as media:
        await until(lambda: live.service.mediamtx_available, "MediaMTX seen up")
        rec = await media.start_recording(PATTERN, asked, "fmp4")
        path = files.folder("recordings") / rec.filename
        await asyncio.sleep(2.5)  # some recording through MediaMTX
        await (live.mediamtx.kill() if fault == "kill" else live.mediamtx.stop())
        await until(lambda: any(p["status"] == "ERROR" for p in seen), "the pause")
        await asyncio.sleep(2.0)  # MediaMTX stays away this long
        await live.mediamtx.start()
        await until(lambda: any(p["status"] in ("STOPPED", "FAILED") for p in seen), "the end",
                    limit=6 * T)  # fmt: skip
        listed, total = await files.list_files("recordings", 50, 0)
    (end,) = [p for p in seen if p["status"] in ("STOPPED", "FAILED")]
    print(f"{fault}: recorded {end['recorded_duration']}s of {asked}s asked, wall {end['wall_duration']}s, "
          f"gaps {end['gaps']}, notifications {[(p['status'], p.get('phase')) for p in seen]}")
    assert end["status"] == "STOPPED" and end["reason"] == "duration reached", end
    pause = next(p for p in seen if p["status"] == "ERROR")
    assert str(pause["reason"]).startswith("stream lost"), pause
    recorded = float(str(end["recorded_duration"]))
    assert abs(recorded - asked) <= GOP, end
    gaps = end["gaps"]
    assert isinstance(gaps, list) and gaps, end
    assert str(gaps[0]["cause"]).startswith("stream lost"), gaps
    assert total == 1 and listed[0].filename == rec.filename
    assert os.listdir(files.folder("recordings")) == [rec.filename]
    assert decode_errors(path, lost=len(gaps)) == ""
    frames, duration = frames_and_duration(path)
    assert abs(duration - recorded) <= GOP and abs(frames / FPS - asked) <= GOP, (frames, duration)


async def test_continuous_recording_goes_back_to_mediamtx_with_one_encoder_at_a_time(
    live: Live, tmp_path: Path,  # noqa: F811 - the fixture
    statuses: tuple[EventBus[Notification], list[dict[str, object]]],
) -> None:
    bus, _ = statuses
    live.registry.upsert(PATTERN)
    spec = RecordingConfig(default=ModeSpec("continuous", segment_seconds=2), retry_min=0.25,
                           retry_max=1.0)  # fmt: skip
    async with Storage(storage(tmp_path)) as files, Recorder(
        spec, files, live.registry, bus, live.service.reader_url, tick=0.25, start_timeout=2 * T,
    ) as recorder:
        worker = recorder.workers["camera0"]
        await until(lambda: worker.run is not None and not worker.run.url.startswith(LAVFI_PREFIX),
                    "recording through MediaMTX")  # fmt: skip
        await asyncio.sleep(2.5)
        port = f"127.0.0.1:{live.mediamtx.rtsp_port}/".encode()
        with Sampler(port, str(tmp_path).encode()) as sampler:
            await live.mediamtx.kill()
            await until(lambda: worker.run is not None and worker.run.url.startswith(LAVFI_PREFIX),
                        "recording from the direct source")  # fmt: skip
            await asyncio.sleep(2.0)
            await live.mediamtx.start()
            back = time.monotonic()
            await until(lambda: live.service.mediamtx_available, "MediaMTX seen back")
            noticed = time.monotonic()
            await until(lambda: worker.run is None or not worker.run.url.startswith(LAVFI_PREFIX),
                        "the direct run to give way")  # fmt: skip
            gave_way = time.monotonic()
            await until(lambda: worker.run is not None and not worker.run.url.startswith(LAVFI_PREFIX)
                        and worker.run.anchor is not None, "recording through MediaMTX again")  # fmt: skip
            resumed = time.monotonic()
            await asyncio.sleep(2.5)
        timeline = recorder.timeline("camera0", None, None)
    print(f"noticed {noticed - back:.2f}s, gave way {gave_way - noticed:.2f}s, "
          f"recording {resumed - noticed:.2f}s after MediaMTX was noticed back; "
          f"most encoders {sampler.most} in {sampler.samples} samples; gaps {timeline.gaps}")
    assert sampler.most == 1, "two encoders of one camera at once"
    assert gave_way - noticed <= 1.0
    causes = [g.cause for g in timeline.gaps]
    assert len(causes) == 2 and causes[0].startswith("stream lost") and causes[1] == "source switched", causes
    switch = timeline.gaps[1]
    assert FRAME < switch.end - switch.start <= resumed - noticed + FRAME, switch
    assert len(timeline.ranges) == 3
