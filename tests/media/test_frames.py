"""Motion detection on real video: ffmpeg makes clips with lavfi (a still scene with sensor
noise, a slow brightness ramp, a box crossing at a known time, a light switched on), the
``FrameReader`` reads them as 320x180 gray at 5 fps through its ffmpeg pipe, and the pure
detector and tracker decide. Times are the frames' own (``pts``), so the clips are read as
fast as ffmpeg decodes them."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

import pytest

from camera_service.errors import FFmpegError
from camera_service.media.frames import FrameReader
from camera_service.motion.detector import DetectorSettings, MotionDetector
from camera_service.motion.tracker import Change, EventTracker, TrackerSettings
from support.cmdlines import CmdlineWatch, all_cmdlines
from support.rtsp_server import RtspTestServer

from .helpers import require_ffmpeg

pytestmark = pytest.mark.integration

SCENE = "smptebars=size=320x180:rate=10"
NOISE = "noise=alls=16:allf=t"
BOX_ENTERS, BOX_LEAVES = 4.0, 8.5  # 40x40 white box, 80 px/s from x = -40 at 4 s
QUIET = 2.0
CLIPS = {
    "noise": (20, f"{NOISE}"),
    "ramp": (30, f"eq=eval=frame:brightness='-0.35+0.015*t',{NOISE}"),
    "box": (
        14,
        f"[s];color=white:size=40x40:rate=10[b];[s][b]overlay=x='-40+(t-{BOX_ENTERS})*80':y=70"
        f":enable='between(t,{BOX_ENTERS},{BOX_LEAVES})',{NOISE}",
    ),
    "light": (16, f"eq=eval=frame:brightness='if(gte(t,6),0.05,-0.3)',{NOISE}"),
}


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    require_ffmpeg()
    folder = tmp_path_factory.mktemp("motion-clips")
    out, procs = {}, []
    for name, (seconds, chain) in CLIPS.items():
        out[name] = folder / f"{name}.mkv"
        graph = f"{SCENE}{',' if not chain.startswith('[') else ''}{chain}"
        procs.append(subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", graph,
             "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-crf", "20",
             "-pix_fmt", "yuv420p", str(out[name])],
            stdin=subprocess.DEVNULL,
        ))  # fmt: skip
    for p in procs:
        assert p.wait(timeout=120) == 0
    return out


async def detect(
    clip: Path, settings: DetectorSettings | None = None
) -> list[tuple[float, Change]]:
    """Each change of the tracker, with the clip time of the frame that made it."""
    detector, tracker = MotionDetector(settings), EventTracker(TrackerSettings(2, QUIET))
    changes, last, count = [], 0.0, 0
    async with FrameReader(str(clip), camera_id="test") as reader:
        async for frame in reader.frames():
            assert frame.data.shape == (180, 320)
            last, count = frame.pts, count + 1
            step = tracker.feed(frame.pts, detector.detect(frame.data))
            if step.change:
                changes.append((frame.pts, step.change))
    assert count == CLIPS[clip.stem][0] * 5  # every frame, at 5 fps
    closed = tracker.close(last, "end of clip")
    assert closed is None, f"an event was still running at the end: {closed}"
    return changes


def kinds(changes: list[tuple[float, Change]]) -> list[str]:
    return [c.kind for _, c in changes if c.kind != "updated"]


async def test_sensor_noise_gives_no_event(clips: dict[str, Path]) -> None:
    assert await detect(clips["noise"]) == []


async def test_a_slow_brightness_ramp_gives_no_event(clips: dict[str, Path]) -> None:
    assert await detect(clips["ramp"]) == []


async def test_a_light_switched_on_gives_one_event_at_most(clips: dict[str, Path]) -> None:
    changes = await detect(clips["light"])
    assert kinds(changes).count("started") <= 1


async def test_a_box_crossing_is_one_event_from_entry_to_exit(clips: dict[str, Path]) -> None:
    changes = await detect(clips["box"])
    assert kinds(changes) == ["started", "ended"]
    (started_at, _), (ended_at, ended) = changes[0], changes[-1]
    event = ended.event
    assert BOX_ENTERS <= event.start <= started_at <= BOX_ENTERS + 0.5
    assert event.end is not None and BOX_LEAVES - 0.5 <= event.end <= BOX_LEAVES + 0.5
    assert ended_at <= BOX_LEAVES + QUIET + 0.5
    assert event.region is not None and event.region.w > 0.8


async def test_the_box_crossing_a_masked_region_gives_no_event(clips: dict[str, Path]) -> None:
    band = ((0.0, 0.25), (1.0, 0.25), (1.0, 0.75), (0.0, 0.75))  # the box runs at y 70..110
    assert await detect(clips["box"], DetectorSettings(masks=(band,))) == []


async def test_an_unreadable_source_is_an_ffmpeg_error(tmp_path: Path) -> None:
    bad = tmp_path / "not-a-video.mkv"
    bad.write_bytes(b"\0" * 1000)
    with pytest.raises(FFmpegError):
        async with FrameReader(str(bad), first_frame_timeout=10) as reader:
            async for _ in reader.frames():
                pass
    await asyncio.sleep(0)


def _descendants() -> set[int]:
    """The processes under this one: other test runs on the machine have readers too."""
    parents: dict[int, int] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parents[int(entry)] = int(stat.rpartition(")")[2].split()[1])
    found: set[int] = set()
    frontier = {os.getpid()}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return found


async def test_a_camera_with_a_password_is_read_with_it_off_the_command_line(
    rtsp_auth_server_module: RtspTestServer, tmp_path: Path
) -> None:
    """As the MediaMTX path is read with the internal reader credential: an RTSP URL with
    ``user:password@``, handed to ffmpeg in a script on a pipe."""
    count, readers = 0, []
    with CmdlineWatch(b"s3cret", under=tmp_path) as watch:
        async with FrameReader(rtsp_auth_server_module.url, camera_id="camera0") as reader:
            async for frame in reader.frames():
                assert frame.data.shape == (180, 320)
                count += 1
                if count == 1:  # this reader's ffmpeg, while it runs (not another run's)
                    mine = _descendants()
                    readers = [c for pid, c in all_cmdlines().items()
                               if pid in mine and b"-f rawvideo" in c]
                if count == 10:
                    break
    assert count == 10
    assert readers and all(b" -f concat " in cmd and b"rtsp://" not in cmd for cmd in readers)
    assert not watch.leaks, watch.leaks


async def test_a_reader_that_stopped_reading_stops_at_once() -> None:
    """A frame is larger than the pipe's buffer: ffmpeg blocked writing one still stops on
    its signal, because the pipe is read while it stops."""
    require_ffmpeg()
    async with FrameReader("lavfi:testsrc2=size=640x360:rate=15", camera_id="test") as reader:
        async for _ in reader.frames():
            break
        await asyncio.sleep(0.5)  # ffmpeg fills the pipe meanwhile
        loop = asyncio.get_running_loop()
        began = loop.time()
    assert loop.time() - began < 1.5
