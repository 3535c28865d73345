"""CSI cameras (Raspberry Pi camera modules): a camera source the monitor feeds with the
``video4linux`` events it does not handle as USB cameras.

The monitor offers each node to ``offer`` before probing it (udev and sysfs show most Pi
nodes for what they are) and to ``offer_probed`` after (``VIDIOC_QUERYCAP`` shows the rest).
What ``csi_classify`` recognises stays here:

* a **sensor** subdevice (``imx708 10-001a``) becomes a camera of kind ``csi`` once a CSI-2
  receiver (``unicam``, ``rp1-cfe``) is present (a sensor on another board, a Jetson say,
  is not one MediaMTX's rpiCamera can open, and is never listed): identity ``csi:<model>@<bus>-<address>``
  (the I2C bus and address of its connector, so a camera keeps its ``cameraN`` across
  reboots and knows its port), the mode from ``cameras.csi.<cameraN>`` or the sensor's
  default, the index MediaMTX's ``rpiCamera`` source knows it by (``csi_sensors``);
* receiver capture nodes, ISP/codec M2M nodes and other subdevices are never cameras: each
  is logged once, at debug level, with the reason.

A sensor node that goes away makes its camera ``DISCONNECTED``; so does losing the last
receiver. Indices are recomputed whenever the set of sensors changes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass

from ..config.model import CamerasConfig
from ..models import Camera, CameraKind, CameraStatus
from . import csi_sensors, policy
from .csi_classify import NodeKind, Verdict, classify, classify_querycap, view_of
from .identity import IdentityStore, csi_identity
from .udev import UdevEvent

log = logging.getLogger(__name__)
COMPONENT = "camera_monitor"


@dataclass(frozen=True)
class _Sensor:
    model: str
    port: str
    device_node: str | None
    sort_key: str  # libcamera's id (the device-tree path) or, failing that, the sysfs path

    @property
    def identity(self) -> str:
        return csi_identity(self.model, self.port)


class CsiSource:
    def __init__(
        self,
        config: CamerasConfig,
        identities: IdentityStore,
        find: Callable[[str], Camera | None],
        upsert: Callable[[Camera], object],
    ) -> None:
        self.config = config
        self.identities = identities
        self._find = find
        self._upsert = upsert
        self._receivers: dict[str, str] = {}  # sys_path -> driver
        self._sensors: dict[str, _Sensor] = {}  # sys_path -> sensor
        self._published: dict[str, str] = {}  # sys_path of a sensor -> camera id
        self._logged: set[str] = set()
        self._lock = asyncio.Lock()

    def sys_paths(self) -> set[str]:
        """Every node this source holds (for a re-enumeration to notice vanished ones)."""
        return set(self._receivers) | set(self._sensors)

    def device_node(self, sys_path: str) -> str | None:
        sensor = self._sensors.get(sys_path)
        return sensor.device_node if sensor else None

    # -- what the monitor offers -----------------------------------------------------------
    async def offer(self, event: UdevEvent) -> bool:
        """Take ``event`` when udev/sysfs show the node is part of a Pi's camera pipeline."""
        view = view_of(event.sys_path, event.device_node, event.attributes, event.properties)
        verdict = classify(view)
        if verdict is None:
            return False
        await self._take(event, verdict, view.of_node)
        return True

    async def offer_probed(self, event: UdevEvent, driver: str, card: str) -> bool:
        """Take ``event`` when ``VIDIOC_QUERYCAP`` shows what udev did not."""
        verdict = classify_querycap(driver, card)
        if verdict is None:
            return False
        await self._take(event, verdict, "")
        return True

    async def removed(self, event: UdevEvent) -> bool:
        """Handle the removal of a node of ours; False for a node this source never took."""
        sys_path = event.sys_path
        self._logged.discard(sys_path)
        if sys_path not in self._receivers and sys_path not in self._sensors:
            return False
        self._receivers.pop(sys_path, None)
        self._sensors.pop(sys_path, None)
        await self._refresh()
        return True

    async def _take(self, event: UdevEvent, verdict: Verdict, of_node: str) -> None:
        if verdict.kind is NodeKind.SENSOR:
            sensor = _Sensor(verdict.model, verdict.port, event.device_node,
                             of_node or event.sys_path)
            keys = [k for k in (event.device_node, sensor.identity, f"csi:{sensor.model}") if k]
            if not policy.selected(keys, (), self.config.exclude):
                self._debug(event, "excluded by cameras.exclude")
                return
            self._sensors[event.sys_path] = sensor
        elif verdict.kind is NodeKind.RECEIVER:
            self._receivers[event.sys_path] = verdict.model
            self._debug(event, verdict.reason)
        else:
            self._debug(event, verdict.reason)
            return
        await self._refresh()

    def _debug(self, event: UdevEvent, why: str) -> None:
        if event.sys_path not in self._logged:
            self._logged.add(event.sys_path)
            log.debug("%s ignored: %s", event.device_node or event.sys_path, why,
                      extra={"COMPONENT": COMPONENT})

    # -- cameras ---------------------------------------------------------------------------
    async def _refresh(self) -> None:
        async with self._lock:
            order = csi_sensors.camera_order(s.sort_key for s in self._sensors.values())
            for sys_path, sensor in sorted(self._sensors.items()):
                if not self._receivers and sys_path not in self._published:
                    continue  # no Pi receiver (yet): a sensor elsewhere is not ours to list
                camera_id = await self.identities.assign(sensor.identity)
                self._published[sys_path] = camera_id
                self._upsert(self._camera(camera_id, sensor, order[sensor.sort_key]))
            for sys_path in [p for p in self._published if p not in self._sensors]:
                self._disconnect(self._published.pop(sys_path), "unplugged")

    def _camera(self, camera_id: str, sensor: _Sensor, index: int) -> Camera:
        wanted = self.config.csi.get(camera_id)
        mode, note = csi_sensors.choose(sensor.model, wanted)
        if note and f"{camera_id}:{note}" not in self._logged:
            self._logged.add(f"{camera_id}:{note}")
            log.warning("cameras.csi.%s: %s", camera_id, note,
                        extra={"CAMERA_ID": camera_id, "COMPONENT": COMPONENT})
        spec = csi_sensors.sensor(sensor.model)
        connected = bool(self._receivers)
        return Camera(
            id=camera_id,
            kind=CameraKind.CSI,
            name=self.config.names.get(camera_id) or f"{spec.title} ({sensor.model})",
            status=CameraStatus.CONNECTED if connected else CameraStatus.DISCONNECTED,
            reason="" if connected else "no CSI receiver (unicam, rp1-cfe) present",
            mode=mode,
            capabilities=csi_sensors.capabilities(sensor.model),
            identity=sensor.identity,
            device_node=sensor.device_node,
            csi=csi_sensors.settings(sensor.model, index, wanted),
        )

    def _disconnect(self, camera_id: str, reason: str) -> None:
        camera = self._find(camera_id)
        if camera is not None and camera.status is not CameraStatus.DISCONNECTED:
            self._upsert(dataclasses.replace(camera, status=CameraStatus.DISCONNECTED,
                                             reason=reason, device_node=None))
