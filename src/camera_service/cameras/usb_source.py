"""USB cameras: a camera source the monitor feeds with the ``video4linux`` nodes the CSI
source does not take. An added node is probed off the loop (``v4l2.probe`` in
``ProbeThreads``), reusing what the last probe of the same camera found when the driver still
describes it the same way (``ProbeCache``: a replug costs a handful of ioctls instead of
hundreds); metadata-only nodes are ignored; a capture node becomes a USB camera,
``CONNECTED`` with its chosen mode, or ``ERROR`` with the reason when probing fails; a
removed node makes its camera ``DISCONNECTED`` (kept in the registry with
``device_node=None``, so its id and name persist).
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Awaitable, Callable, KeysView

from ..config.model import CamerasConfig
from ..errors import ProbeError
from ..models import Camera, CameraEvent, CameraKind, CameraStatus, Capabilities
from . import policy, v4l2
from .identity import IdentityStore, usb_identity
from .modes import choose_mode
from .probe_cache import ProbeCache
from .probe_threads import ProbeThreads
from .registry import CameraRegistry
from .udev import UdevEvent

log = logging.getLogger(__name__)
COMPONENT = "camera_monitor"

Upsert = Callable[[Camera], CameraEvent | None]
OfferProbed = Callable[[UdevEvent, str, str], Awaitable[bool]]  # event, driver, card
Waiting = Callable[[str], UdevEvent | None]  # the newer event of a node, if one waits


class UsbSource:
    def __init__(self, config: CamerasConfig, identities: IdentityStore,
                 registry: CameraRegistry, upsert: Upsert, offer_probed: OfferProbed,
                 waiting: Waiting) -> None:
        """``offer_probed``: gives a probed node to the CSI source first (True: taken);
        ``waiting``: a newer event of the same node supersedes the one being handled."""
        self.config = config
        self.identities = identities
        self.registry = registry
        self._upsert = upsert
        self._offer_probed = offer_probed
        self._waiting = waiting
        self._executor: ProbeThreads | None = None
        self._nodes: dict[str, str] = {}  # sys_path of a present capture node -> camera id
        self._ignored: set[str] = set()  # sys paths already logged as "not a camera"
        self._probe_cache = ProbeCache()

    def open(self) -> None:
        self._executor = ProbeThreads()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def sys_paths(self) -> KeysView[str]:
        """The capture nodes held, in the order they came."""
        return self._nodes.keys()

    def device_node(self, sys_path: str) -> str | None:
        camera = self.registry.find(self._nodes[sys_path])
        return camera.device_node if camera else None

    def _superseded(self, event: UdevEvent) -> bool:
        return self._waiting(event.sys_path) is not None

    def _ignore(self, event: UdevEvent, why: str) -> None:
        if event.sys_path not in self._ignored:
            self._ignored.add(event.sys_path)
            log.info("%s ignored: %s", event.device_node, why, extra={"COMPONENT": COMPONENT})

    async def present(self, event: UdevEvent) -> None:
        node = event.device_node
        if not node:
            return
        keys = policy.match_keys(node, event.properties)
        if not policy.selected(keys, self.config.include, self.config.exclude):
            return self._ignore(event, "excluded by cameras.include/exclude")
        if event.capture_hint is False:
            return self._ignore(event, "not a capture node (udev ID_V4L_CAPABILITIES)")
        result: v4l2.ProbeResult | None = None
        reason = ""
        raw_identity = usb_identity(event.properties, node)
        try:
            result = await v4l2.probe(node, self.config.probe_timeout, self._executor,
                                      self._probe_cache.get(raw_identity))
        except ProbeError as e:
            reason = str(e)
            self._probe_cache.forget(raw_identity)
        else:
            self._probe_cache.remember(raw_identity, result)
            if result.reused:
                log.debug("%s: the driver describes %s as before; its modes are reused", node,
                          raw_identity, extra={"COMPONENT": COMPONENT})
        if self._superseded(event):
            return  # a newer event for this node (an unplug?) supersedes this one
        if result is not None and await self._offer_probed(event, result.info.driver,
                                                           result.info.card):
            return
        if result is not None and not result.info.is_capture:
            caps_hex = f"{result.info.device_caps:#010x}"
            return self._ignore(event, f"not a capture node (device_caps {caps_hex})")
        await self._publish(event, node, raw_identity, result, reason)

    async def _publish(self, event: UdevEvent, node: str, raw_identity: str,
                       result: v4l2.ProbeResult | None, reason: str) -> None:
        self._ignored.discard(event.sys_path)
        identity = self._unique_identity(raw_identity, event)
        camera_id = await self.identities.assign(identity)
        if self._superseded(event):
            return
        self._replaced(event, node, camera_id)
        self._nodes[event.sys_path] = camera_id
        caps = result.capabilities if result is not None else None
        mode = None
        if caps is not None:
            mode = choose_mode(caps, self.config.max_width, self.config.max_height, self.config.min_fps)
            if mode is None:
                reason = f"{node}: no usable frame size"
        previous = self.registry.find(camera_id)
        if caps is None:  # probing failed: keep what was known about the camera
            caps = previous.capabilities if previous else Capabilities()
        camera = Camera(
            id=camera_id,
            kind=CameraKind.USB,
            name=policy.usb_name(camera_id, self.config.names, event.properties,
                                 result.info.card if result else "", node),
            status=CameraStatus.ERROR if reason else CameraStatus.CONNECTED,
            reason=reason,
            mode=mode if not reason else (previous.mode if previous else None),
            capabilities=caps,
            identity=identity,
            device_node=node,
        )
        self._upsert(camera)

    def _unique_identity(self, identity: str, event: UdevEvent) -> str:
        """Cheap cameras sometimes share a made-up serial number: when a camera with this
        identity is present on another node, tell this one apart by its port."""
        known = self.identities.lookup(identity)
        if known is None:
            return identity
        for sys_path, cid in self._nodes.items():
            if cid != known or sys_path == event.sys_path:
                continue
            pending = self._waiting(sys_path)
            if pending is not None and pending.action == "remove":
                continue  # that node is going away: this is the same camera, replugged
            holder = self.registry.find(cid)
            if holder and holder.device_node and os.path.exists(holder.device_node):
                return f"{identity}@{event.properties.get('ID_PATH') or event.device_node}"
        return identity

    def _replaced(self, event: UdevEvent, node: str, camera_id: str) -> None:
        """Another camera that was on this node is gone (its unplug event was superseded
        by this plug while waiting)."""
        stale = {self._nodes.get(event.sys_path)} | {
            c.id for c in self.registry.cameras()
            if c.kind is CameraKind.USB and c.device_node == node
        }
        for old_id in stale - {None, camera_id}:
            old = self.registry.find(old_id) if old_id else None
            if old is not None and old.device_node is not None:
                self._upsert(dataclasses.replace(
                    old, status=CameraStatus.DISCONNECTED, reason="unplugged", device_node=None
                ))

    def removed(self, event: UdevEvent) -> None:
        self._ignored.discard(event.sys_path)
        camera_id = self._nodes.pop(event.sys_path, None)
        if camera_id is None:
            return
        camera = self.registry.find(camera_id)
        if camera is None or camera.device_node is None:
            return
        if event.device_node and camera.device_node != event.device_node:
            return  # the camera already came back on another node
        self._upsert(dataclasses.replace(
            camera, status=CameraStatus.DISCONNECTED, reason="unplugged", device_node=None
        ))
