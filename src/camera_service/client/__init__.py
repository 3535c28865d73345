"""``camera-ctl`` and the Python client it is built on (``websockets`` library)."""

from .connection import CameraClient, ClientError, RemoteError

__all__ = ["CameraClient", "ClientError", "RemoteError"]
