"""The camera monitor: keeps the registry in step with the cameras that exist.

Start-up (``async with CameraMonitor(...)``): load the id file, start watching udev (when
``config.udev``), enumerate the V4L2 nodes already present, probe them, add the test pattern
if configured (``"auto"``: only when no capture device was found), then start probing the
network cameras. Afterwards:

- uevents are handled per node: the events read in one wake-up (a camera's capture and
  metadata nodes arrive together) are taken as one batch, after ``config.debounce`` seconds
  more when that is set (default 0: at once); while a node is being handled, its newer
  events wait, the newest superseding an older one still waiting, so a burst of plugs and
  unplugs of one node costs one probe and ends in the right state;
- an added node is probed off the loop (``v4l2.probe``), reusing what the last probe of the
  same camera found when the driver still describes it the same way (``ProbeCache``: a
  replug costs a handful of ioctls instead of hundreds); metadata-only nodes are ignored; a
  capture node becomes a USB camera, ``CONNECTED`` with its chosen mode, or ``ERROR`` with the
  reason when probing fails; a removed node makes its camera ``DISCONNECTED`` (kept in the
  registry with ``device_node=None``, so its id and name persist);
- a Raspberry Pi's camera-pipeline nodes go to the CSI source (``csi.CsiSource``): its
  sensors become ``csi`` cameras, its receiver, ISP and codec nodes are never cameras;
- each network camera is probed every ``network_probe_interval``, backing off exponentially
  up to ``network_probe_max_backoff`` while it fails (``fixed_sources``, with the test
  pattern);
- network cameras added at run time come from ``RuntimeStreams`` (given ``streams_file``),
  started after the configured ones and watched the same way.

Nothing a device does can crash the monitor: every failure becomes a camera status.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
from pathlib import Path

from ..config.model import CamerasConfig
from ..errors import CameraError, ProbeError
from ..lifecycle import Component
from ..models import Camera, CameraEvent, CameraKind, CameraStatus, Capabilities, Clock
from . import fixed_sources, network, policy, udev, v4l2
from .csi import CsiSource
from .identity import IdentityStore, usb_identity
from .modes import choose_mode
from .probe_cache import ProbeCache
from .probe_threads import ProbeThreads
from .registry import CameraRegistry
from .runtime_streams import RuntimeStreams
from .stream_store import StreamFile

log = logging.getLogger(__name__)
COMPONENT = "camera_monitor"
_STOP_TIMEOUT = 5.0


class CameraMonitor(Component):
    def __init__(
        self,
        config: CamerasConfig,
        registry: CameraRegistry,
        identities: IdentityStore,
        clock: Clock | None = None,
        streams_file: Path | None = None,
    ) -> None:
        self.config = config
        self.registry = registry
        self.identities = identities
        self.clock = clock or Clock()
        self._watcher: udev.UdevWatcher | None = None
        self._executor: ProbeThreads | None = None
        self._pending: dict[str, udev.UdevEvent] = {}  # sys_path -> newest unhandled event
        self._workers: dict[str, asyncio.Task[None]] = {}  # sys_path -> its handler
        self._nodes: dict[str, str] = {}  # sys_path of a present capture node -> camera id
        self._ignored: set[str] = set()  # sys paths already logged as "not a camera"
        self._probe_cache = ProbeCache()
        self._flush: asyncio.Handle | None = None
        self._network_tasks: list[asyncio.Task[None]] = []
        self._resync_task: asyncio.Task[None] | None = None
        self._udev_problem = ""
        self.uevents_received = 0  # hotplug events read from udev since start
        self.last_uevent: udev.UdevEvent | None = None
        self._started = False
        self._running = False
        # network cameras added at run time (add_external_stream), when a file keeps them
        self.runtime: RuntimeStreams | None = None
        if streams_file is not None:
            self.runtime = RuntimeStreams(config, registry, identities, self._upsert,
                                          StreamFile(streams_file), self.clock)
        self._csi = CsiSource(config, identities, registry.find, self._upsert)

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        self.registry.set_health(False, "starting")
        self._executor = ProbeThreads()
        try:
            if not self.identities.loaded:
                await self.identities.load()
            if self.config.udev:
                self._watcher = udev.UdevWatcher(self._on_uevent, on_lost=self._on_lost)
                try:
                    await self._watcher.start()
                except CameraError as e:
                    self._watcher = None
                    self._udev_problem = str(e)
                    log.error("%s: hotplug not watched", e, extra={"COMPONENT": COMPONENT})
            await self._enumerate()
            await fixed_sources.add_test_pattern(self.config, self.identities, self.registry,
                                                 self._upsert)
            for cfg in self.config.network:
                self._network_tasks.append(await fixed_sources.start_network(
                    cfg, self.config, self.identities, self.registry, self._upsert))
            if self.runtime is not None:
                await self.runtime.start()
        except BaseException:
            await self.stop()
            raise
        self._running = True
        self._update_health()

    async def stop(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        if self._watcher is not None:
            await self._watcher.stop()
            self._watcher = None
        if self.runtime is not None:
            await self.runtime.stop()
        tasks = [*self._workers.values(), *self._network_tasks]
        if self._resync_task is not None:
            tasks.append(self._resync_task)
            self._resync_task = None
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=_STOP_TIMEOUT)
        self._workers.clear()
        self._network_tasks.clear()
        self._pending.clear()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        if self._started:
            self.registry.set_health(False, "stopped")
        self._started = False
        self._running = False

    async def settle(self, limit: float = 10.0) -> None:
        """Wait (at most ``limit`` seconds) until no USB event is waiting or being handled."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while self._pending or self._workers or self._flush is not None:
            if loop.time() >= deadline:
                raise TimeoutError("camera monitor did not settle")
            if self._workers:
                await asyncio.wait(list(self._workers.values()), timeout=deadline - loop.time())
            else:
                await asyncio.sleep(min(self.config.debounce, 0.01) or 0.001)

    # -- USB: events -----------------------------------------------------------------------
    def _on_lost(self) -> None:
        if self._resync_task is None or self._resync_task.done():
            self._resync_task = asyncio.get_running_loop().create_task(self.resync())

    async def resync(self) -> None:
        """Enumerate again and reconcile: nodes that vanished without a remove event are
        unplugged, nodes that appeared without an add event are probed (used when udev
        events were lost)."""
        try:
            present = await asyncio.wait_for(udev.enumerate_async(), self.config.probe_timeout)
        except (TimeoutError, CameraError) as e:
            log.error("re-enumerating cameras failed: %s", e or "timeout",
                      extra={"COMPONENT": COMPONENT})
            return
        self._vanished({e.sys_path for e in present})
        held = set(self._nodes) | self._csi.sys_paths()
        for event in present:
            if event.sys_path not in held:
                self._pending.setdefault(event.sys_path, event)
        self._start_workers()
        log.info("cameras re-enumerated after lost udev events", extra={"COMPONENT": COMPONENT})

    def _vanished(self, seen: set[str]) -> None:
        """Queue a remove event for each node we hold that is not among ``seen``."""
        for sys_path in [p for p in self._nodes if p not in seen and p not in self._pending]:
            camera = self.registry.find(self._nodes[sys_path])
            self._pending[sys_path] = udev.UdevEvent(
                "remove", sys_path, camera.device_node if camera else None
            )
        for sys_path in self._csi.sys_paths() - seen - set(self._pending):
            self._pending[sys_path] = udev.UdevEvent("remove", sys_path,
                                                     self._csi.device_node(sys_path))

    async def _enumerate(self) -> None:
        try:
            present = await asyncio.wait_for(udev.enumerate_async(), self.config.probe_timeout)
        except TimeoutError:
            self._udev_problem = f"udev enumeration took more than {self.config.probe_timeout:g} s"
            log.error("%s", self._udev_problem, extra={"COMPONENT": COMPONENT})
            return
        except CameraError as e:
            self._udev_problem = self._udev_problem or str(e)
            log.error("%s", e, extra={"COMPONENT": COMPONENT})
            return
        # a node udev has not processed yet has no stable identity: when udevd runs and we
        # watch it, its own "add" event (after the rules) will announce the node
        wait_for_udev = self._watcher is not None and udev.daemon_running()
        for event in present:
            if wait_for_udev and not event.processed:
                log.info("%s: waiting for udev to finish with it", event.device_node,
                         extra={"COMPONENT": COMPONENT})
                continue
            self._pending.setdefault(event.sys_path, event)  # a live uevent is newer
        self._start_workers()
        try:
            await self.settle(self.config.probe_timeout * 2 + 5.0)
        except TimeoutError:
            log.warning("probing the present cameras is still going on; starting anyway",
                        extra={"COMPONENT": COMPONENT})

    def _on_uevent(self, event: udev.UdevEvent) -> None:
        self.uevents_received += 1
        self.last_uevent = event
        log.debug("uevent %s %s", event.action, event.device_node or event.sys_path,
                  extra={"COMPONENT": COMPONENT})
        self._pending[event.sys_path] = event
        if self._flush is None:
            loop = asyncio.get_running_loop()
            delay = self.config.debounce
            if delay > 0:
                self._flush = loop.call_later(delay, self._start_workers)
            else:  # after the rest of this wake-up's events
                self._flush = loop.call_soon(self._start_workers)

    def _start_workers(self) -> None:
        self._flush = None
        for sys_path in list(self._pending):
            if sys_path not in self._workers:
                task = asyncio.get_running_loop().create_task(self._work(sys_path))
                self._workers[sys_path] = task

    async def _work(self, sys_path: str) -> None:
        try:
            while (event := self._pending.pop(sys_path, None)) is not None:
                try:
                    await self._handle(event)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("handling %s failed", event.device_node or sys_path,
                                  extra={"COMPONENT": COMPONENT})
        finally:
            self._workers.pop(sys_path, None)

    async def _handle(self, event: udev.UdevEvent) -> None:
        """A Raspberry Pi camera-pipeline node goes to the CSI source, anything else is
        a USB camera node."""
        if event.action == "remove":
            if not await self._csi.removed(event):
                self._on_removed(event)
        elif event.action in ("add", "change", "bind", "online"):
            if not await self._csi.offer(event):
                await self._on_present(event)

    def _ignore(self, event: udev.UdevEvent, why: str) -> None:
        if event.sys_path not in self._ignored:
            self._ignored.add(event.sys_path)
            log.info("%s ignored: %s", event.device_node, why, extra={"COMPONENT": COMPONENT})

    async def _on_present(self, event: udev.UdevEvent) -> None:
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
        if event.sys_path in self._pending:
            return  # a newer event for this node (an unplug?) supersedes this one
        if result is not None and await self._csi.offer_probed(event, result.info.driver,
                                                               result.info.card):
            return
        if result is not None and not result.info.is_capture:
            caps_hex = f"{result.info.device_caps:#010x}"
            return self._ignore(event, f"not a capture node (device_caps {caps_hex})")
        await self._publish_usb(event, node, raw_identity, result, reason)

    async def _publish_usb(self, event: udev.UdevEvent, node: str, raw_identity: str,
                           result: v4l2.ProbeResult | None, reason: str) -> None:
        self._ignored.discard(event.sys_path)
        identity = self._unique_identity(raw_identity, event)
        camera_id = await self.identities.assign(identity)
        if event.sys_path in self._pending:
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

    def _unique_identity(self, identity: str, event: udev.UdevEvent) -> str:
        """Cheap cameras sometimes share a made-up serial number: when a camera with this
        identity is present on another node, tell this one apart by its port."""
        known = self.identities.lookup(identity)
        if known is None:
            return identity
        for sys_path, cid in self._nodes.items():
            if cid != known or sys_path == event.sys_path:
                continue
            pending = self._pending.get(sys_path)
            if pending is not None and pending.action == "remove":
                continue  # that node is going away: this is the same camera, replugged
            holder = self.registry.find(cid)
            if holder and holder.device_node and os.path.exists(holder.device_node):
                return f"{identity}@{event.properties.get('ID_PATH') or event.device_node}"
        return identity

    def _replaced(self, event: udev.UdevEvent, node: str, camera_id: str) -> None:
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

    def _on_removed(self, event: udev.UdevEvent) -> None:
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

    # -- registry --------------------------------------------------------------------------
    def _upsert(self, camera: Camera) -> CameraEvent | None:
        event = self.registry.upsert(camera)
        if event is None:
            return None
        before = event.previous
        if before is None or before.status is not camera.status:
            self._log_change(camera)
        self._update_health()
        return event

    def _log_change(self, camera: Camera) -> None:
        where = camera.device_node or (network.redact_url(camera.source_url) if camera.source_url else "")
        mode = camera.mode
        what = f"{mode.pixel_format} {mode.resolution}@{mode.fps:g}" if mode else ""
        detail = ", ".join(x for x in (where, what, camera.reason) if x)
        level = logging.INFO if camera.status is CameraStatus.CONNECTED else logging.WARNING
        log.log(level, "%s %s (%s)%s", camera.id, camera.status.value.lower(), camera.name,
                f": {detail}" if detail else "",
                extra={"CAMERA_ID": camera.id, "COMPONENT": COMPONENT})

    def _update_health(self) -> None:
        if not self._running:
            return
        cameras = self.registry.cameras()
        connected = sum(c.connected for c in cameras)
        detail = f"{connected} of {len(cameras)} cameras connected"
        if self._udev_problem:
            self.registry.set_health(False, "degraded", f"{self._udev_problem}; {detail}")
        else:
            self.registry.set_health(True, "running", detail)
