"""udev for V4L2 nodes: enumeration (blocking, run it in an executor) and hotplug events.

``UdevWatcher`` reads a ``pyudev.Monitor`` through its file descriptor with
``loop.add_reader``: no thread, no polling loop. Each uevent becomes a ``UdevEvent`` handed
to a callback on the event loop; the callback must not block (the monitor only records it
and schedules work). pyudev errors are wrapped in ``CameraError``.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pyudev

from ..errors import CameraError
from ..lifecycle import Component

log = logging.getLogger(__name__)

SUBSYSTEM = "video4linux"
_MAX_PER_WAKEUP = 256  # bound the work done in one reader callback


@dataclass(frozen=True)
class UdevEvent:
    """One V4L2 node as udev describes it. ``action`` is ``add``, ``remove``, ``change``...
    (``add`` for enumerated devices). ``received`` is ``time.monotonic()`` on arrival."""

    action: str
    sys_path: str
    device_node: str | None
    properties: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    received: float = 0.0
    # sysfs: the node's ``name``, its parent device's ``driver`` and ``of_node`` (device-tree
    # path); what tells a Raspberry Pi's camera-pipeline nodes apart (see csi_classify)
    attributes: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def processed(self) -> bool:
        """Whether udev's rules have run for the node (``v4l_id`` and ``path_id`` set these);
        a node enumerated before that has no stable identity yet."""
        return any(k in self.properties for k in ("ID_V4L_CAPABILITIES", "ID_SERIAL", "ID_PATH"))

    @property
    def capture_hint(self) -> bool | None:
        """udev's own view (``ID_V4L_CAPABILITIES``): True/False, or None when unknown."""
        caps = self.properties.get("ID_V4L_CAPABILITIES")
        if caps is None:
            return None
        return ":capture:" in caps


def _sysfs(device: pyudev.Device, action: str) -> dict[str, str]:
    """The few sysfs facts ``UdevEvent.attributes`` carries (nothing for a removed node)."""
    if action == "remove":
        return {}
    out: dict[str, str] = {}
    try:
        name = device.attributes.get("name")
        if name:
            out["name"] = name.decode(errors="replace").strip()
        parent = device.parent
        if parent is not None:
            if parent.driver:
                out["driver"] = str(parent.driver)
            with contextlib.suppress(OSError):
                link = os.path.realpath(os.path.join(parent.sys_path, "of_node"))
                if "/devicetree/" in link:
                    out["of_node"] = link.split("/devicetree", 1)[1]
    except (OSError, pyudev.DeviceNotFoundError):
        pass
    return out


def _event(device: pyudev.Device, action: str) -> UdevEvent:
    try:
        props = {str(k): str(v) for k, v in device.properties.items()}
    except (OSError, pyudev.DeviceNotFoundError):  # the device vanished while we looked
        props = {}
    return UdevEvent(
        action=action,
        sys_path=str(device.sys_path),
        device_node=device.device_node,
        properties=MappingProxyType(props),
        received=time.monotonic(),
        attributes=MappingProxyType(_sysfs(device, action)),
    )


def daemon_running() -> bool:
    """Whether systemd-udevd runs here (it will announce nodes it has not processed yet)."""
    return os.path.exists("/run/udev/control")


def enumerate_devices(subsystem: str = SUBSYSTEM) -> list[UdevEvent]:
    """Blocking: every present node of ``subsystem`` as an ``add`` event, sorted by node."""
    try:
        context = pyudev.Context()
        devices = [_event(d, "add") for d in context.list_devices(subsystem=subsystem)]
    except (OSError, ImportError, pyudev.DeviceNotFoundError) as e:
        raise CameraError(f"udev enumeration failed: {e}") from e
    return sorted(devices, key=lambda e: (e.device_node or "", e.sys_path))


async def enumerate_async(subsystem: str = SUBSYSTEM) -> list[UdevEvent]:
    return await asyncio.get_running_loop().run_in_executor(None, enumerate_devices, subsystem)


class UdevWatcher(Component):
    """Hotplug events of ``subsystem`` to ``callback``, read in the event loop."""

    def __init__(
        self,
        callback: Callable[[UdevEvent], None],
        subsystem: str = SUBSYSTEM,
        on_lost: Callable[[], None] | None = None,
    ) -> None:
        """``on_lost`` is called when the kernel dropped events (the socket overflowed): the
        caller should enumerate again to catch up."""
        self._callback = callback
        self._on_lost = on_lost
        self._subsystem = subsystem
        self._monitor: pyudev.Monitor | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._fd: int | None = None

    @property
    def running(self) -> bool:
        return self._fd is not None

    async def start(self) -> None:
        if self._fd is not None:
            return
        try:
            monitor = pyudev.Monitor.from_netlink(pyudev.Context())
            monitor.filter_by(self._subsystem)
            monitor.start()
            fd = monitor.fileno()
        except (OSError, ValueError, pyudev.DeviceNotFoundError) as e:
            raise CameraError(f"cannot watch udev events: {e}") from e
        self._loop = asyncio.get_running_loop()
        self._monitor = monitor
        self._fd = fd
        self._loop.add_reader(fd, self._on_readable)

    async def stop(self) -> None:
        if self._fd is not None and self._loop is not None:
            self._loop.remove_reader(self._fd)
        self._fd = None
        self._monitor = None  # pyudev closes the netlink socket when the monitor is freed

    def _on_readable(self) -> None:
        monitor = self._monitor
        if monitor is None:
            return
        for _ in range(_MAX_PER_WAKEUP):
            try:
                device = monitor.poll(timeout=0)
            except (OSError, ValueError) as e:
                log.warning("reading a udev event failed: %s", e, extra={"COMPONENT": "udev"})
                if isinstance(e, OSError) and e.errno == errno.ENOBUFS and self._on_lost:
                    self._on_lost()
                return
            if device is None:
                return
            try:
                self._callback(_event(device, device.action or "change"))
            except Exception:
                log.exception("udev event handler failed", extra={"COMPONENT": "udev"})
