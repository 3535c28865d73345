"""The one mapping from the service's exception tree to API.md's codes and data."""

from __future__ import annotations

import pytest

from camera_service import errors
from camera_service.rpc.errors import from_exception

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "exc,code,data",
    [
        (errors.AuthError("bad token"), -32001, {"reason": "bad token"}),
        (
            errors.PermissionDenied("admin", "viewer"),
            -32002,
            {"required_role": "admin", "have_role": "viewer"},
        ),
        (errors.CameraNotFound("camera7"), -32010, {"resource": "camera", "id": "camera7"}),
        (errors.FileNotFound("recordings", "a.mp4"), -32010, {"resource": "recording", "id": "a.mp4"}),
        (errors.FileNotFound("snapshots", "a.jpg"), -32010, {"resource": "snapshot", "id": "a.jpg"}),
        (errors.InvalidState("already_recording", "busy"), -32020, {"state": "already_recording"}),
        (errors.Unsupported("h265"), -32030, {"feature": "h265"}),
        (errors.MediaMTXUnavailable("refused"), -32050, {"dependency": "mediamtx", "detail": "refused"}),
        (
            errors.MediaMTXError("path not found", 404),
            -32050,
            {"dependency": "mediamtx", "detail": "path not found"},
        ),
        (
            errors.FFmpegError("ffmpeg exited 1"),
            -32050,
            {"dependency": "ffmpeg", "detail": "ffmpeg exited 1"},
        ),
        (errors.DiskFullError("only 3 MB free"), -32050, {"dependency": "disk", "detail": "only 3 MB free"}),
        (errors.StorageError("read-only"), -32050, {"dependency": "disk", "detail": "read-only"}),
        (errors.InvalidParams("limit", "too big"), -32602, {"param": "limit"}),
        (errors.CameraUnavailable("camera0", "disconnected"), -32020, {"state": "camera_unavailable"}),
    ],
)
def test_error_class_maps_to_code_and_data(exc: Exception, code: int, data: dict[str, object]) -> None:
    err = from_exception(exc)
    assert err.code == code and err.data == data
    assert err.to_json()["message"]


def test_anything_else_is_internal_without_detail() -> None:
    err = from_exception(KeyError("secret"))
    assert err.to_json() == {"code": -32603, "message": "Internal error"}


@pytest.mark.parametrize(
    "exc,method,message",
    [
        (errors.AuthError("token expired"), "", "Authentication failed: token expired"),
        (
            errors.AuthError("authentication required"),
            "",
            "Authentication required: call authenticate first",
        ),
        (
            errors.PermissionDenied("operator", "viewer"),
            "start_recording",
            "Permission denied: start_recording needs the operator role (you have viewer)",
        ),
        (errors.CameraNotFound("/dev/video3"), "", "Camera not found: no camera is at /dev/video3"),
        (errors.FileNotFound("snapshots", "a.jpg"), "", "Snapshot not found: a.jpg"),
        (errors.InvalidState("not_recording", "camera0 is not recording"), "",
         "Invalid state: camera0 is not recording"),
        (errors.MediaMTXUnavailable("refused"), "", "Dependency failed: mediamtx: refused"),
        (errors.CameraUnavailable("camera0", "lost"), "", "Camera unavailable: camera0: lost"),
        (errors.Unsupported("media"), "", "Unsupported: media is not available on this server"),
    ],
)
def test_messages_say_the_reason_in_words(exc: Exception, method: str, message: str) -> None:
    assert from_exception(exc, method).message == message
