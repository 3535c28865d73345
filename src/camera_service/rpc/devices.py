"""Cameras addressed by their device node: older clients send ``/dev/video0`` where the API
says ``camera0``. The dispatcher turns such a ``device`` argument into the id of the camera
at that node *now* (the registry knows each USB camera's node), before any handler runs, so
every method that takes a ``device`` accepts both and results still show only ``cameraN``."""

from __future__ import annotations

from typing import Any

from ..errors import CameraNotFound
from ..ports import CameraDirectory

DEVICE_PREFIX = "/dev/"


def camera_id_at(cameras: CameraDirectory, node: str) -> str:
    """The id of the camera currently at device node ``node``; raises ``CameraNotFound``."""
    for camera in cameras.cameras():
        if camera.device_node == node:
            return camera.id
    raise CameraNotFound(node)


def resolve_device(cameras: CameraDirectory, args: dict[str, Any]) -> dict[str, Any]:
    """``args`` with a device-node ``device`` replaced by the camera id (same dict otherwise)."""
    device = args.get("device")
    if isinstance(device, str) and device.startswith(DEVICE_PREFIX):
        return {**args, "device": camera_id_at(cameras, device)}
    return args
