"""JSON-RPC error objects and the one mapping from the service's exception tree to codes.

Standard codes (-32700 … -32603) belong to the JSON-RPC 2.0 specification; the vendor codes
(-32001 … -32050) and their structured ``data`` are fixed by API.md. Nothing outside this
module decides a code for a domain error.
"""

from __future__ import annotations

import logging
from typing import Any

from .. import errors

log = logging.getLogger(__name__)

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603

AUTH_FAILED = -32001
PERMISSION_DENIED = -32002
NOT_FOUND = -32010
INVALID_STATE = -32020
UNSUPPORTED = -32030
RATE_LIMITED = -32040
DEPENDENCY_FAILED = -32050

STANDARD_MESSAGES = {
    PARSE_ERROR: "Parse error",
    INVALID_REQUEST: "Invalid Request",
    METHOD_NOT_FOUND: "Method not found",
    INVALID_PARAMS: "Invalid params",
    INTERNAL_ERROR: "Internal error",
}


class RpcError(Exception):
    """An error that goes on the wire as ``{"code", "message", "data"?}``."""

    def __init__(self, code: int, message: str | None = None, data: Any = None) -> None:
        self.code = code
        self.message = message or STANDARD_MESSAGES.get(code, "Server error")
        self.data = data
        super().__init__(self.message)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            out["data"] = self.data
        return out

    def __repr__(self) -> str:
        return f"RpcError({self.code}, {self.message!r}, {self.data!r})"


def invalid_params(param: str, message: str) -> RpcError:
    return RpcError(INVALID_PARAMS, f"Invalid params: {message}", {"param": param})


def auth_failed(reason: str) -> RpcError:
    if reason == "authentication required":
        message = "Authentication required: call authenticate first"
    else:
        message = f"Authentication failed: {reason}"
    return RpcError(AUTH_FAILED, message, {"reason": reason})


def rate_limited(retry_after: float) -> RpcError:
    ms = max(1, int(retry_after * 1000 + 0.999))
    return RpcError(
        RATE_LIMITED, f"Rate limit exceeded: retry in {ms} ms", {"retry_after_ms": ms}
    )


def permission_denied(method: str, required: str, have: str | None) -> RpcError:
    what = f"{method} needs" if method else "this call needs"
    you = f"you have {have}" if have else "you are not authenticated"
    return RpcError(
        PERMISSION_DENIED,
        f"Permission denied: {what} the {required} role ({you})",
        {"required_role": required, "have_role": have},
    )


def _dependency(exc: errors.CameraServiceError) -> RpcError:
    if isinstance(exc, errors.MediaMTXError):
        dependency, detail = "mediamtx", exc.detail
    elif isinstance(exc, errors.FFmpegError):
        dependency, detail = "ffmpeg", str(exc)
    elif isinstance(exc, errors.ProbeError):
        dependency, detail = "camera", str(exc)
    else:  # StorageError, DiskFullError
        dependency, detail = "disk", str(exc)
    return RpcError(
        DEPENDENCY_FAILED,
        f"Dependency failed: {dependency}: {detail}" if detail else f"Dependency failed: {dependency}",
        {"dependency": dependency, "detail": detail},
    )


def _not_found(camera_id: str) -> str:
    if camera_id.startswith("/dev/"):
        return f"no camera is at {camera_id}"
    return f"{camera_id} (get_camera_list lists the known cameras)"


def from_exception(exc: BaseException, method: str = "") -> RpcError:
    """The wire error for any exception a handler raised. Unknown exceptions become -32603
    and are logged here with their traceback; the traceback never reaches the client."""
    if isinstance(exc, RpcError):
        return exc
    if isinstance(exc, errors.PermissionDenied):
        return permission_denied(method, exc.required_role, exc.have_role)
    if isinstance(exc, errors.AuthError):
        return auth_failed(str(exc) or "authentication required")
    if isinstance(exc, errors.ExternalStreamNotFound):
        return RpcError(NOT_FOUND, f"No external stream has the URL {exc.camera_id}",
                        {"resource": "external_stream", "id": exc.camera_id})
    if isinstance(exc, errors.CameraNotFound):
        return RpcError(
            NOT_FOUND, f"Camera not found: {_not_found(exc.camera_id)}",
            {"resource": "camera", "id": exc.camera_id},
        )  # fmt: skip
    if isinstance(exc, errors.FileNotFound):
        resource = {"snapshots": "snapshot", "recordings": "recording"}.get(exc.kind, exc.kind)
        return RpcError(
            NOT_FOUND, f"{resource.capitalize()} not found: {exc.filename}",
            {"resource": resource, "id": exc.filename},
        )  # fmt: skip
    if isinstance(exc, errors.CameraUnavailable):
        return RpcError(
            INVALID_STATE, f"Camera unavailable: {exc.camera_id}: {exc.reason}",
            {"state": "camera_unavailable"},
        )  # fmt: skip
    if isinstance(exc, errors.InvalidState):
        message = f"Invalid state: {exc}" if str(exc) else "Invalid state"
        return RpcError(INVALID_STATE, message, {"state": exc.state})
    if isinstance(exc, errors.Unsupported):
        return RpcError(
            UNSUPPORTED, f"Unsupported: {exc.feature} is not available on this server",
            {"feature": exc.feature},
        )  # fmt: skip
    if isinstance(exc, errors.InvalidParams):
        return invalid_params(exc.param, str(exc))
    if isinstance(exc, errors.MediaMTXError | errors.FFmpegError | errors.StorageError | errors.ProbeError):
        return _dependency(exc)
    log.error("internal error in %s", method or "request", exc_info=exc,
              extra={"COMPONENT": "api", "RPC_METHOD": method or "-"})
    return RpcError(INTERNAL_ERROR)
