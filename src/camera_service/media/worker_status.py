"""What a continuous recorder's worker says and checks, pure: the log word of each phase, its
``recording_status_update`` (the compat fields, with ``mode``, ``phase`` and ``reason`` as
extras; ``duration`` is the recorded media's), whether a camera can be recorded now, and
whether a change of mode needs a new ffmpeg run."""

from __future__ import annotations

from ..models import Camera, CameraKind, Notification
from ..recording_modes import ModeSpec
from . import recorder_policy as policy

WORDS = {
    policy.Phase.RECORDING: "started",
    policy.Phase.IDLE: "stopped",
    policy.Phase.RETRYING: "failed, retrying",
    policy.Phase.WAITING_CAMERA: "waiting for the camera",
    policy.Phase.PAUSED_DISK: "paused",
}
SWITCHING = "switching"  # the journal's phase for a change of source (no phase of the worker)
SWITCHED = "source switched"
TOPICS = {"STARTED": "recording.start", "STOPPED": "recording.stop", "FAILED": "recording.error"}


def phase_notification(camera_id: str, phase: policy.Phase, reason: str, spec: ModeSpec,
                       filename: str, recorded: float) -> Notification:  # fmt: skip
    status = policy.status_of(phase)
    params: dict[str, object] = {
        "device": camera_id,
        "status": status,
        "filename": filename or "",
        "duration": 0 if status == "STARTED" else round(recorded),
        "format": spec.format,
        "mode": spec.mode,
        "phase": phase.value,
    }
    if reason:
        params["reason"] = reason
    return Notification("recording_status_update", TOPICS[status], params, device=camera_id)


def camera_ready(camera: Camera | None) -> tuple[bool, str]:
    """A network camera is tried even while the registry calls it disconnected: an ffmpeg
    attempt is a probe too, and its return is seen at the next attempt, not the next probe."""
    if camera is None:
        return False, "camera not present"
    if camera.connected or camera.kind is CameraKind.NETWORK:
        return True, ""
    return False, f"camera {camera.status.value.lower()}" + (f": {camera.reason}" if camera.reason else "")


def needs_restart(running: ModeSpec, now: ModeSpec) -> bool:
    if (running.mode == "motion") != (now.mode == "motion"):
        return True  # the motion buffer and the recordings folder are different runs
    if now.mode == "motion":
        return False  # the buffer's run is the same whatever the clips' format and length
    return running.format != now.format or running.segment_seconds != now.segment_seconds

