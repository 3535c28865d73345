"""The camera monitor: keeps the registry in step with the cameras that exist, composing
the camera sources (USB, CSI, network, test pattern, run-time streams) over one uevent queue.

Start-up (``async with CameraMonitor(...)``): load the id file, start watching udev (when
``config.udev``), enumerate the V4L2 nodes already present, probe them, add the test pattern
if configured (``"auto"``: only when no capture device was found), then start probing the
network cameras. Afterwards:

- uevents are handled per node (``uevents.NodeQueue``): the events read in one wake-up are
  taken as one batch, after ``config.debounce`` seconds more when that is set (default 0: at
  once); while a node is being handled, its newer events wait, the newest superseding an
  older one, so a burst of plugs and unplugs of one node costs one probe;
- a USB node goes to the USB source (``usb_source.UsbSource``): probed off the loop, it
  becomes a USB camera, ``CONNECTED`` with its chosen mode or ``ERROR`` with the reason; a
  removed node makes its camera ``DISCONNECTED``, keeping its id and name;
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
import logging
from pathlib import Path

from ..config.model import CamerasConfig
from ..errors import CameraError
from ..lifecycle import Component
from ..models import Camera, CameraEvent, CameraStatus, Clock
from ..waits import bounded
from . import fixed_sources, network, udev
from .csi import CsiSource
from .identity import IdentityStore
from .registry import CameraRegistry
from .runtime_streams import RuntimeStreams
from .stream_store import StreamFile
from .uevents import NodeQueue
from .usb_source import UsbSource

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
        self._queue = NodeQueue(self._handle, config.debounce)
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
        self._usb = UsbSource(config, identities, registry, self._upsert, self._csi.offer_probed,
                              self._queue.waiting)

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        self.registry.set_health(False, "starting")
        self._usb.open()
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
        self._queue.cancel_flush()
        if self._watcher is not None:
            await self._watcher.stop()
            self._watcher = None
        if self.runtime is not None:
            await self.runtime.stop()
        tasks = [*self._queue.workers(), *self._network_tasks]
        if self._resync_task is not None:
            tasks.append(self._resync_task)
            self._resync_task = None
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=_STOP_TIMEOUT)
        self._queue.clear()
        self._network_tasks.clear()
        self._usb.close()
        if self._started:
            self.registry.set_health(False, "stopped")
        self._started = False
        self._running = False

    async def settle(self, limit: float = 10.0) -> None:
        """Wait (at most ``limit`` seconds) until no USB event is waiting or being handled."""
        await self._queue.settle(limit)

    # -- udev: events and enumeration ------------------------------------------------------
    def _on_lost(self) -> None:
        if self._resync_task is None or self._resync_task.done():
            self._resync_task = asyncio.get_running_loop().create_task(self.resync())

    async def resync(self) -> None:
        """Enumerate again and reconcile: nodes that vanished without a remove event are
        unplugged, nodes that appeared without an add event are probed (used when udev
        events were lost)."""
        try:
            present = await bounded(udev.enumerate_async(), self.config.probe_timeout)
        except (TimeoutError, CameraError) as e:
            log.error("re-enumerating cameras failed: %s", e or "timeout",
                      extra={"COMPONENT": COMPONENT})
            return
        self._vanished({e.sys_path for e in present})
        held = set(self._usb.sys_paths()) | self._csi.sys_paths()
        for event in present:
            if event.sys_path not in held:
                self._queue.add_unless_waiting(event)
        self._queue.start_workers()
        log.info("cameras re-enumerated after lost udev events", extra={"COMPONENT": COMPONENT})

    def _vanished(self, seen: set[str]) -> None:
        """Queue a remove event for each node we hold that is not among ``seen``."""
        for sys_path in [p for p in self._usb.sys_paths() if p not in seen and p not in self._queue]:
            self._queue.add(udev.UdevEvent("remove", sys_path, self._usb.device_node(sys_path)))
        for sys_path in [p for p in self._csi.sys_paths() - seen if p not in self._queue]:
            self._queue.add(udev.UdevEvent("remove", sys_path, self._csi.device_node(sys_path)))

    async def _enumerate(self) -> None:
        try:
            present = await bounded(udev.enumerate_async(), self.config.probe_timeout)
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
            self._queue.add_unless_waiting(event)  # a live uevent is newer
        self._queue.start_workers()
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
        self._queue.uevent(event)

    async def _handle(self, event: udev.UdevEvent) -> None:
        """A Raspberry Pi camera-pipeline node goes to the CSI source, anything else is
        a USB camera node."""
        if event.action == "remove":
            if not await self._csi.removed(event):
                self._usb.removed(event)
        elif event.action in ("add", "change", "bind", "online"):
            if not await self._csi.offer(event):
                await self._usb.present(event)

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
