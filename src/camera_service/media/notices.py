"""A manual recording's ``recording_status_update``, pure: compat.json's fields (``device``,
``status``, ``filename``, ``duration`` as whole seconds of *recorded media*) and extras:
``format``; at the end ``file_size`` and ``segments``; at the end and at a pause or resume
``recorded_duration``, ``wall_duration`` and ``gaps``; ``phase`` (``paused``/``resumed``);
``reason``. A pause is ``ERROR`` (compat.json's status for a recording that met an error
and goes on), a resume ``STARTED`` again."""

from __future__ import annotations

from ..models import Notification
from ..models_recordings import Recording, RecordingStatus
from .resume import gap_object

TOPICS = {
    RecordingStatus.RECORDING: "recording.start",
    RecordingStatus.STOPPED: "recording.stop",
    RecordingStatus.FAILED: "recording.error",
}
STARTED = "STARTED"
PAUSED = "ERROR"


def recording_notification(rec: Recording, status: str, phase: str = "") -> Notification:
    ended = status not in (STARTED, PAUSED)
    params: dict[str, object] = {
        "device": rec.camera_id,
        "status": status,
        "filename": rec.filename,
        "duration": round(rec.duration or 0.0) if status != STARTED or phase else 0,
        "format": rec.format,
    }
    if ended:
        params["file_size"] = rec.file_size
        if rec.segments:
            params["segments"] = list(rec.segments)
    if ended or phase:
        params["recorded_duration"] = round(rec.duration or 0.0, 3)
        params["wall_duration"] = round(rec.wall_duration or 0.0, 3)
        params["gaps"] = [gap_object(g) for g in rec.gaps]
    if phase:
        params["phase"] = phase
    reason = rec.paused if status == PAUSED else rec.reason
    if reason:
        params["reason"] = reason
    topic = TOPICS[
        RecordingStatus.FAILED if status == PAUSED
        else RecordingStatus.RECORDING if not ended else rec.status
    ]  # fmt: skip
    return Notification("recording_status_update", topic, params, device=rec.camera_id)
