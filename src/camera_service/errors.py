"""The service's one exception tree.

Foreign errors (aiohttp, pyudev, OSError, subprocess failures) are caught at the adapter that
meets them and re-raised as one of these, with the original kept as ``__cause__``::

    CameraServiceError
    ├── ConfigError                 invalid configuration (exit code 78)
    ├── ServiceStartError           a resource needed to start is busy (e.g. port in use)
    ├── CameraError
    │   ├── CameraNotFound          unknown camera id
    │   │   └── ExternalStreamNotFound  no external stream with that URL
    │   ├── CameraUnavailable       camera known but not CONNECTED
    │   └── ProbeError              V4L2/ffprobe probing failed
    ├── MediaMTXError               MediaMTX answered with an error (its text kept)
    │   └── MediaMTXUnavailable     MediaMTX cannot be reached
    ├── MqttUnavailable             the MQTT broker cannot be used (TLS files, refused)
    ├── MediaError
    │   ├── FFmpegError             ffmpeg/ffprobe failed (stderr tail kept)
    │   ├── StorageError            file system problem
    │   │   └── DiskFullError       free space below the threshold
    │   └── FileNotFound            no such snapshot/recording
    ├── InvalidState                e.g. already recording / not recording
    ├── InvalidParams               a request parameter is invalid (names the parameter)
    ├── Unsupported                 feature not available here
    └── AuthError
        ├── PermissionDenied
        └── LinkRefused             a signed file link is expired, tampered or for another file

The JSON-RPC layer maps each class to one error code (see ``rpc.errors``); nothing else
needs to know about codes.
"""

from __future__ import annotations

from collections.abc import Sequence


class CameraServiceError(Exception):
    """Base of every error the service raises on purpose."""


class ConfigError(CameraServiceError):
    """The configuration is invalid. ``problems`` holds one ``(path, message)`` per error."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{p}: {m}" if p else m for p, m in self.problems))

    def lines(self) -> list[str]:
        return [f"{p}: {m}" if p else m for p, m in self.problems]


class ServiceStartError(CameraServiceError):
    """The service cannot start now for a reason outside its configuration."""


class CameraError(CameraServiceError):
    pass


class CameraNotFound(CameraError):
    def __init__(self, camera_id: str) -> None:
        self.camera_id = camera_id
        super().__init__(f"camera not found: {camera_id}")


class ExternalStreamNotFound(CameraNotFound):
    """No external stream has this URL (``camera_id`` holds the URL without credentials)."""


class CameraUnavailable(CameraError):
    def __init__(self, camera_id: str, reason: str) -> None:
        self.camera_id = camera_id
        self.reason = reason
        super().__init__(f"camera {camera_id} unavailable: {reason}")


class ProbeError(CameraError):
    pass


class MediaMTXError(CameraServiceError):
    """MediaMTX answered, but with an error. ``detail`` is MediaMTX's own ``error`` text."""

    def __init__(self, detail: str, status: int | None = None) -> None:
        self.detail = detail
        self.status = status
        super().__init__(f"MediaMTX error{f' {status}' if status else ''}: {detail}")


class MediaMTXUnavailable(MediaMTXError):
    """MediaMTX could not be reached at all (connection refused, timeout, ...)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, None)


class MqttUnavailable(CameraServiceError):
    """The MQTT broker cannot be used: its TLS files or its answer."""


class MediaError(CameraServiceError):
    pass


class FFmpegError(MediaError):
    def __init__(self, message: str, stderr_tail: str = "") -> None:
        self.stderr_tail = stderr_tail
        super().__init__(message)


class StorageError(MediaError):
    pass


class DiskFullError(StorageError):
    pass


class FileNotFound(MediaError):
    def __init__(self, kind: str, filename: str) -> None:
        self.kind = kind
        self.filename = filename
        super().__init__(f"{kind} not found: {filename}")


class InvalidState(CameraServiceError):
    def __init__(self, state: str, message: str) -> None:
        self.state = state
        super().__init__(message)


class InvalidParams(CameraServiceError):
    def __init__(self, param: str, message: str) -> None:
        self.param = param
        super().__init__(message)


class Unsupported(CameraServiceError):
    def __init__(self, feature: str) -> None:
        self.feature = feature
        super().__init__(f"unsupported: {feature}")


class AuthError(CameraServiceError):
    pass


class PermissionDenied(AuthError):
    def __init__(self, required_role: str, have_role: str | None) -> None:
        self.required_role = required_role
        self.have_role = have_role
        super().__init__(f"requires role {required_role}, have {have_role or 'none'}")


class LinkRefused(AuthError):
    """A signed download link did not verify; the message says why."""
