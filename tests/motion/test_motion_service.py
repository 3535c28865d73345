"""The motion service on a real ffmpeg source: a camera whose picture is generated live by
lavfi (a still scene with noise, a box crossing it from 2 s to 4 s) gives one event, announced
as started and ended, stored with its pictures; settings set at run time are saved and come
back after a restart."""

from __future__ import annotations

from pathlib import Path

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
    "smptebars=size=320x180:rate=10[s];color=white:size=40x40:rate=10[b];"
    "[s][b]overlay=x='-40+(t-2)*180':y=70:enable='between(t,2,4)',noise=alls=12:allf=t"
)
ON = MotionConfig(MotionSpec(enabled=True, quiet_seconds=1.0))


def url(camera: Camera) -> str:
    return camera.source_url or ""


def motion(c: Collector) -> list[dict[str, object]]:
    return [n.params for n in c.items if n.method == "motion_event"]


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
        assert (tmp_path / "events" / event.thumbnail).stat().st_size > 0
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
