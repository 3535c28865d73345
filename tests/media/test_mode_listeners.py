"""The recorder's mode listeners: every change of a camera's mode is told at once, saved
first, even when recording neither starts nor stops (``schedule`` outside its window ↔
``off``: no ``recording_status_update`` goes out); a reload tells the cameras whose
configured mode changed, not those with a mode of their own; an unsubscribed listener hears
nothing more. The camera is never recorded here (no ffmpeg runs)."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest

from camera_service.recording_modes import DAYS, ModeSpec, spec_from_mapping

from .helpers import network_camera, storage_config
from .recorder_env import recorder_env

pytestmark = pytest.mark.integration
URL = "rtsp://127.0.0.1:9/never-read"


def elsewhere() -> dict[str, object]:
    """A schedule whose only window is three days away from today, whatever the time zone."""
    day = DAYS[(time.localtime().tm_wday + 3) % 7]
    return {"mode": "schedule", "schedule": [{"days": [day], "start": "12:00", "end": "12:01"}]}


async def test_a_mode_change_without_a_recording_change_reaches_the_listeners(tmp_path: Path) -> None:
    async with recorder_env(storage_config(tmp_path), URL, ModeSpec("off")) as env:
        recorder = env.recorder
        heard: list[tuple[str, str, bool]] = []

        def listener(camera_id: str, spec: ModeSpec) -> None:
            heard.append((camera_id, spec.mode, recorder.store.modes.get(camera_id) == spec))

        unsubscribe = recorder.subscribe_modes(listener)
        await recorder.set_mode("camera0", elsewhere())
        await recorder.set_mode("camera0", {"mode": "off"})
        assert heard == [("camera0", "schedule", True), ("camera0", "off", True)]  # saved first
        assert env.statuses() == []  # idle all along: no notification could have said it
        assert recorder.state("camera0")["phase"] == "idle"

        env.registry.upsert(network_camera(URL, "camera1"))  # no mode of its own
        heard.clear()
        config = recorder.config
        recorder.reload(dataclasses.replace(config, retry_max=2.0))  # no mode changed
        recorder.reload(dataclasses.replace(config, default=spec_from_mapping(elsewhere(), ModeSpec())))
        assert heard == [("camera1", "schedule", False)]  # camera0's own mode stays "off"

        unsubscribe()
        await recorder.set_mode("camera0", elsewhere())
        assert heard == [("camera1", "schedule", False)]
