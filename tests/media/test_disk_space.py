"""Free space per storage location and per camera (pure): a low motion buffer pauses mode
``motion`` only, a low recordings folder every recording camera, and one filesystem holding
both is one state, as before."""

from __future__ import annotations

import pytest

from camera_service.media.disk_space import (
    BUFFER,
    MB,
    OK,
    RECORDINGS,
    DiskState,
    Reading,
    for_camera,
    locations_of,
    update,
)
from camera_service.media.recorder_policy import Action, Backoff, Inputs, Phase, decide

pytestmark = pytest.mark.unit

MIN_MB = 24
B = Backoff()


def readings(buffer_mb: int, recordings_mb: int, same_disk: bool = False) -> list[Reading]:
    recordings_disk = 1 if same_disk else 2
    return [Reading(BUFFER, 1, buffer_mb * MB), Reading(RECORDINGS, recordings_disk, recordings_mb * MB)]


def camera_decision(mode: str, states: dict[str, DiskState]) -> Phase:
    """What the policy decides for a running camera in ``mode`` given the disk states."""
    disk = for_camera(mode, states)
    d = decide(Inputs(0, wanted=True, disk_ok=disk.ok, disk_reason=disk.reason, running=True), B)
    assert d.action is (Action.NONE if d.phase is Phase.RECORDING else Action.STOP)
    return d.phase


def test_motion_writes_the_buffer_and_the_recordings_the_other_modes_the_recordings_only() -> None:
    assert locations_of("motion") == (BUFFER, RECORDINGS)
    assert {locations_of(m) for m in ("continuous", "schedule", "off")} == {(RECORDINGS,)}


def test_a_low_buffer_disk_pauses_the_motion_camera_only() -> None:
    states = update({}, readings(buffer_mb=10, recordings_mb=100), MIN_MB)
    assert camera_decision("motion", states) is Phase.PAUSED_DISK
    assert camera_decision("continuous", states) is Phase.RECORDING
    assert camera_decision("schedule", states) is Phase.RECORDING
    reason = for_camera("motion", states).reason
    assert reason == "disk space low: 10 MB free for the motion buffer, minimum 24 MB"


def test_a_low_recordings_disk_pauses_every_recording_camera() -> None:
    states = update({}, readings(buffer_mb=100, recordings_mb=10), MIN_MB)
    assert camera_decision("motion", states) is Phase.PAUSED_DISK  # its clips go there
    assert camera_decision("continuous", states) is Phase.PAUSED_DISK
    assert for_camera("motion", states).reason == "disk space low: 10 MB free for recordings, minimum 24 MB"


def test_one_filesystem_for_both_folders_is_one_state_as_before() -> None:
    low = update({}, readings(buffer_mb=10, recordings_mb=12, same_disk=True), MIN_MB)
    assert camera_decision("motion", low) is Phase.PAUSED_DISK
    assert camera_decision("continuous", low) is Phase.PAUSED_DISK
    both = "disk space low: 10 MB free for recordings and the motion buffer, minimum 24 MB"
    assert for_camera("motion", low).reason == for_camera("continuous", low).reason == both
    back = update(low, readings(buffer_mb=30, recordings_mb=30, same_disk=True), MIN_MB)
    assert for_camera("motion", back) == for_camera("continuous", back) == OK


def test_the_minimum_itself_is_enough() -> None:
    states = update({}, readings(buffer_mb=MIN_MB, recordings_mb=MIN_MB), MIN_MB)
    assert for_camera("motion", states) == for_camera("continuous", states) == OK


def test_a_paused_state_keeps_the_reason_it_paused_with_and_a_failed_reading_keeps_the_state() -> None:
    low = update({}, readings(buffer_mb=10, recordings_mb=100), MIN_MB)
    lower = update(low, readings(buffer_mb=5, recordings_mb=100), MIN_MB)
    assert lower == low  # no flip: nothing changed, nobody is woken for a new number
    unread = update(low, [Reading(RECORDINGS, 2, 100 * MB)], MIN_MB)  # the buffer's statvfs failed
    assert unread[BUFFER] == low[BUFFER]
    back = update(low, readings(buffer_mb=30, recordings_mb=100), MIN_MB)
    assert for_camera("motion", back) == OK


def test_the_buffer_is_named_first_when_both_are_low_on_separate_disks() -> None:
    states = update({}, readings(buffer_mb=10, recordings_mb=12), MIN_MB)
    assert "motion buffer" in for_camera("motion", states).reason
    assert for_camera("continuous", states).reason.startswith("disk space low: 12 MB free for recordings")
