"""What a camera's continuous recorder should do next. Pure: no I/O, no clock of its own.

``decide`` takes one ``Inputs`` snapshot (is recording wanted by the mode at this time, is
the camera there, is there disk space, is ffmpeg running, how many attempts failed and when)
and returns a ``Decision``: the action (start, stop, nothing), the phase the camera is in
with its reason, and when to try again. The order of the checks is the order of causes::

    not wanted (mode off, outside the schedule)   -> IDLE          (stop if running)
    free space below the minimum                   -> PAUSED_DISK   (stop if running)
    camera gone / disconnected                     -> WAITING_CAMERA (stop if running)
    ffmpeg running                                 -> RECORDING
    failed attempts, the source refuses connections -> RETRYING     (no attempt: the caller
                                                   checks the address each tick instead)
    failed attempts, back-off not over             -> RETRYING      (retry_in seconds)
    otherwise                                      -> start

A ``START`` decision's phase is where the camera stays if the attempt fails: the caller
enters RECORDING or RETRYING by the attempt's outcome, never a phase of its own between.

Back-off after ``n`` consecutive failures: ``retry_min * 2**(n-1)``, at most ``retry_max``.
A run that lasted ``STABLE_RUN`` seconds counts as a success: the failure that ends it is
the first of a new series. ``status_of`` maps a phase to the compatibility status of
``recording_status_update`` (STARTED / STOPPED / FAILED).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

STABLE_RUN = 10.0


class Action(str, enum.Enum):
    NONE = "none"
    START = "start"
    STOP = "stop"


class Phase(str, enum.Enum):
    IDLE = "idle"
    RECORDING = "recording"
    RETRYING = "retrying"
    WAITING_CAMERA = "waiting_camera"
    PAUSED_DISK = "paused_disk"


STATUS = {
    Phase.RECORDING: "STARTED",
    Phase.IDLE: "STOPPED",
    Phase.RETRYING: "FAILED",
    Phase.WAITING_CAMERA: "FAILED",
    Phase.PAUSED_DISK: "FAILED",
}


def status_of(phase: Phase) -> str:
    return STATUS[phase]


@dataclass(frozen=True)
class Backoff:
    retry_min: float = 0.5
    retry_max: float = 1.0

    def delay(self, failures: int) -> float:
        if failures <= 0:
            return 0.0
        return float(min(self.retry_max, self.retry_min * 2 ** min(failures - 1, 30)))


@dataclass(frozen=True)
class Inputs:
    now: float  # monotonic
    wanted: bool
    idle_reason: str = ""  # why not wanted: "mode off", "outside the schedule"
    camera_ready: bool = True
    camera_reason: str = ""
    disk_ok: bool = True
    disk_reason: str = ""
    running: bool = False
    failures: int = 0
    last_failure_at: float | None = None  # monotonic
    failure_reason: str = ""
    source_down: bool = False  # the camera's address refuses connections (checked cheaply)


@dataclass(frozen=True)
class Decision:
    action: Action
    phase: Phase
    reason: str = ""
    retry_in: float | None = None


def decide(i: Inputs, backoff: Backoff) -> Decision:
    stop = Action.STOP if i.running else Action.NONE
    if not i.wanted:
        return Decision(stop, Phase.IDLE, i.idle_reason)
    if not i.disk_ok:
        return Decision(stop, Phase.PAUSED_DISK, i.disk_reason or "disk space low")
    if not i.camera_ready:
        return Decision(stop, Phase.WAITING_CAMERA, i.camera_reason or "camera unavailable")
    if i.running:
        return Decision(Action.NONE, Phase.RECORDING)
    if i.failures > 0 and i.source_down:  # nothing listens: no ffmpeg until something does
        return Decision(Action.NONE, Phase.RETRYING, i.failure_reason)
    if i.failures > 0 and i.last_failure_at is not None:
        due = i.last_failure_at + backoff.delay(i.failures)
        if i.now < due:
            return Decision(Action.NONE, Phase.RETRYING, i.failure_reason, due - i.now)
        return Decision(Action.START, Phase.RETRYING, i.failure_reason)
    return Decision(Action.START, Phase.RETRYING, "")


def failures_after(failures: int, ran_for: float | None) -> int:
    """The failure count once an attempt failed (``ran_for`` None: it never started) or a
    run ended by itself after ``ran_for`` seconds."""
    if ran_for is not None and ran_for >= STABLE_RUN:
        return 1
    return failures + 1
