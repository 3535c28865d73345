"""The motion service on a real ffmpeg source: a camera whose picture is generated live by
lavfi (a still scene with noise, an orange box crossing it from 2 s to 4 s) gives one event,
announced as started and ended, stored with its pictures: a colour snapshot of the frame of
peak motion that shows the box inside the event's region, and a small thumbnail; settings set
at run time are saved and come back after a restart."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from camera_service.cameras.registry import CameraRegistry
from camera_service.config.model import MotionConfig
from camera_service.errors import InvalidParams
from camera_service.events import EventBus
from camera_service.models import LAVFI_PREFIX, Camera, Notification
from camera_service.motion.service import MotionService
from camera_service.motion.settings import MotionSpec
from media.helpers import Collector, network_camera, require_ffmpeg, until

pytestmark = pytest.mark.integration

SCENE = (
    "smptebars=size=320x180:rate=10[s];color=0xff8000:size=40x40:rate=10[b];"
    "[s][b]overlay=x='-40+(t-2)*180':y=70:enable='between(t,2,4)',noise=alls=12:allf=t"
)
MOVING = (  # the box crosses the picture again and again, from 1 s on
    "smptebars=size=320x180:rate=10[s];color=0xff8000:size=40x40:rate=10[b];"
    "[s][b]overlay=x='mod(t*120,360)-40':y=70:enable='gte(t,1)',noise=alls=12:allf=t"
)
ON = MotionConfig(MotionSpec(enabled=True, quiet_seconds=1.0))


def url(camera: Camera) -> str:
    return camera.source_url or ""


def motion(c: Collector) -> list[dict[str, object]]:
    return [n.params for n in c.items if n.method == "motion_event"]


async def rgb(jpeg: Path) -> npt.NDArray[np.int16]:
    """The picture's pixels, height x width x 3 (R, G, B), decoded by ffmpeg."""
    proc = await asyncio.create_subprocess_exec(
        "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
        "-of", "csv=p=0", str(jpeg), stdout=asyncio.subprocess.PIPE)  # fmt: skip
    size, _ = await asyncio.wait_for(proc.communicate(), 30)
    width, height = (int(v) for v in size.decode().strip().split(","))
    proc = await asyncio.create_subprocess_exec(
        "ffmpeg", "-v", "error", "-i", str(jpeg), "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
        stdout=asyncio.subprocess.PIPE)  # fmt: skip
    data, _ = await asyncio.wait_for(proc.communicate(), 30)
    return np.frombuffer(data, dtype=np.uint8).reshape(height, width, 3).astype(np.int16)


def orange(pixels: npt.NDArray[np.int16]) -> npt.NDArray[np.bool_]:
    """Where the box is: none of smptebars' colours is orange (red well above green, green
    well above blue)."""
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    mask: npt.NDArray[np.bool_] = (r - g > 60) & (g - b > 40)
    return mask


async def test_a_box_crossing_a_live_picture_is_one_event_with_pictures(tmp_path: Path) -> None:
    require_ffmpeg()
    registry, bus = CameraRegistry(), EventBus[Notification]()
    seen = Collector(bus)
    registry.upsert(network_camera(LAVFI_PREFIX + SCENE))
    async with MotionService(ON, tmp_path, registry, bus, url) as service:
        await until(lambda: any(m["status"] == "ended" for m in motion(seen)), 30, "an ended event")
        statuses = [m["status"] for m in motion(seen)]
        assert statuses[0] == "started" and statuses[-1] == "ended"
        assert statuses.count("started") == 1
        ended = motion(seen)[-1]
        assert ended["cause"] == "quiet" and ended["device"] == "camera0"
        event = await service.store.get(str(ended["event_id"]))
        assert event.end is not None and 1.5 <= event.end - event.start <= 3.5
        assert event.region is not None and event.region["w"] > 0.5
        assert event.snapshot and event.thumbnail
        assert (tmp_path / "events" / event.snapshot).read_bytes()[:2] == b"\xff\xd8"
        snapshot = await rgb(tmp_path / "events" / event.snapshot)
        assert snapshot.shape == (180, 320, 3)
        assert (snapshot.max(axis=2) - snapshot.min(axis=2)).max() > 100, "a gray picture"
        ys, xs = np.nonzero(orange(snapshot))
        assert len(xs) >= 40 * 40 // 2, f"the box is not in the snapshot ({len(xs)} orange pixels)"
        region, slack = event.region, 0.05  # the box's pixels lie in the region of the event
        assert region["x"] - slack <= xs.min() / 320 and xs.max() / 320 <= region["x"] + region["w"] + slack
        assert region["y"] - slack <= ys.min() / 180 and ys.max() / 180 <= region["y"] + region["h"] + slack
        assert (await rgb(tmp_path / "events" / event.thumbnail)).shape == (90, 160, 3)
        await service.delete_event(event.id)
        assert not (tmp_path / "events" / event.snapshot).exists()


async def test_settings_set_at_run_time_are_saved_and_checked(tmp_path: Path) -> None:
    registry, bus = CameraRegistry(), EventBus[Notification]()
    async with MotionService(MotionConfig(), tmp_path, registry, bus, url) as service:
        assert service.source("camera0") == "default" and not service.spec_for("camera0").enabled
        with pytest.raises(InvalidParams) as e:
            await service.set_config("camera0", {"threshold": 999})
        assert e.value.param == "threshold"
        await service.set_config("camera0", {"threshold": 40, "masks": [[[0, 0], [1, 0], [1, 1]]]})
        await service.set_motion_enabled("camera2", True)  # the MQTT switch
        assert service.spec_for("camera2").enabled and service.source("camera2") == "api"
    async with MotionService(MotionConfig(), tmp_path, registry, bus, url) as service:
        spec = service.spec_for("camera0")
        assert (spec.threshold, len(spec.masks), service.source("camera0")) == (40, 1, "api")
        assert service.spec_for("camera1") == MotionSpec()


async def test_detection_off_and_on_within_a_frame_ends_the_running_event(tmp_path: Path) -> None:
    """Off then on again before the detector's next frame (5 a second): the event that was
    running ends (stored and announced, cause ``detection turned off``), and a new run starts
    a new event of its own."""
    require_ffmpeg()
    registry, bus = CameraRegistry(), EventBus[Notification]()
    seen = Collector(bus)
    registry.upsert(network_camera(LAVFI_PREFIX + MOVING))
    config = MotionConfig(MotionSpec(enabled=True, quiet_seconds=60.0))
    async with MotionService(config, tmp_path, registry, bus, url) as service:
        await until(lambda: any(m["status"] == "started" for m in motion(seen)), 30, "a started event")
        first = str(motion(seen)[0]["event_id"])
        await service.set_config("camera0", {"enabled": False})
        await service.set_config("camera0", {"enabled": True})
        await until(lambda: any(m["status"] == "ended" for m in motion(seen)), 10, "the event ended")
        ended = next(m for m in motion(seen) if m["status"] == "ended")
        assert (ended["event_id"], ended["cause"]) == (first, "detection turned off")
        stored = await service.store.get(first)
        assert stored.end is not None and stored.cause == "detection turned off"
        await until(lambda: motion(seen)[-1]["event_id"] != first, 30, "a new event")
        again = motion(seen)[-1]
        assert again["status"] == "started" and str(again["start_time"]) >= str(ended["end_time"])
        assert [m["event_id"] for m in motion(seen)].index(again["event_id"]) > motion(seen).index(ended)


async def test_reloads_that_turn_detection_off_end_the_running_event(tmp_path: Path) -> None:
    """The configuration reloaded (SIGHUP) with detection off and on again before the next
    frame: the running event ends (cause ``detection turned off``) and a new one starts;
    reloaded with detection off: the new one ends too and nothing more is detected."""
    require_ffmpeg()
    registry, bus = CameraRegistry(), EventBus[Notification]()
    seen = Collector(bus)
    registry.upsert(network_camera(LAVFI_PREFIX + MOVING))
    on = MotionConfig(MotionSpec(enabled=True, quiet_seconds=60.0))
    off = MotionConfig(MotionSpec(enabled=False, quiet_seconds=60.0))
    async with MotionService(on, tmp_path, registry, bus, url) as service:
        await until(lambda: any(m["status"] == "started" for m in motion(seen)), 30, "a started event")
        first = str(motion(seen)[0]["event_id"])
        service.reload(off)
        service.reload(on)
        await until(lambda: any(m["status"] == "ended" for m in motion(seen)), 10, "the event ended")
        ended = next(m for m in motion(seen) if m["status"] == "ended")
        assert (ended["event_id"], ended["cause"]) == (first, "detection turned off")
        assert (await service.store.get(first)).cause == "detection turned off"
        await until(lambda: motion(seen)[-1]["event_id"] != first, 30, "a new event")
        second = str(motion(seen)[-1]["event_id"])
        service.reload(off)
        await until(lambda: [m["status"] for m in motion(seen)].count("ended") == 2, 10, "the second ended")
        assert (await service.store.get(second)).cause == "detection turned off"
        await until(lambda: service.state("camera0") == "off", 10, "detection off")
        await asyncio.sleep(1.5)  # the box goes on crossing the picture: nothing is detected
        assert [m["status"] for m in motion(seen)] == ["started", "ended", "started", "ended"]
