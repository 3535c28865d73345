"""Camera registry changes → ``camera_status_update`` notifications on the app's bus.

The params are the camera object of ``get_camera_list`` (``rpc.present``), so a client can
replace its list entry with a notification's params as they are.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

from ..events import EventBus
from ..lifecycle import Component
from ..models import CameraEvent, CameraEventKind, CameraStatus, Notification
from ..ports import CameraDirectory
from .present import camera_object

log = logging.getLogger(__name__)

METHOD = "camera_status_update"
UrlsFor = Callable[[str], dict[str, str]]


def topic_for(event: CameraEvent) -> str:
    """``camera.connected`` / ``camera.disconnected`` on a change of connection, else
    ``camera.status`` (error, recovery into a different state, new mode or name)."""
    if event.kind is CameraEventKind.REMOVED:
        return "camera.disconnected"
    was = event.previous.status if event.previous is not None else None
    now = event.camera.status
    if now is CameraStatus.CONNECTED and was is not CameraStatus.CONNECTED:
        return "camera.connected"
    if now is CameraStatus.DISCONNECTED and was is not CameraStatus.DISCONNECTED:
        return "camera.disconnected"
    return "camera.status"


def notification_for(event: CameraEvent, urls: UrlsFor) -> Notification:
    camera = event.camera
    params = camera_object(camera, urls(camera.id), removed=event.kind is CameraEventKind.REMOVED)
    return Notification(method=METHOD, topic=topic_for(event), params=params, device=camera.id)


class StreamUrls(Protocol):
    def stream_urls(self, camera_id: str) -> dict[str, str]: ...


class CameraNotifier(Component):
    """Subscribes to the registry from construction until ``close()`` (``stop()``, the end
    of ``async with``).
    ``streams`` gives the public stream URLs (``ports.Streams`` or ``RpcContext``)."""

    def __init__(self, cameras: CameraDirectory, streams: StreamUrls, bus: EventBus[Notification]) -> None:
        self._streams = streams
        self._bus = bus
        self._unsubscribe: Callable[[], None] | None = cameras.subscribe(self._on_event)

    def _on_event(self, event: CameraEvent) -> None:
        self._bus.publish(notification_for(event, self._streams.stream_urls))

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    async def start(self) -> None:
        pass  # subscribed since construction: no change can be missed in between

    async def stop(self) -> None:
        self.close()
