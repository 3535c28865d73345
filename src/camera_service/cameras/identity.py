"""Stable camera ids: the same camera is ``cameraN`` after a replug, a renumbered
``/dev/videoN`` or a restart.

A camera's *identity* is what stays true about it:

- USB: its udev ``ID_SERIAL`` (the name in ``/dev/v4l/by-id``) when the device reports a
  real serial number (``ID_SERIAL_SHORT``); without one, two identical cameras would share
  ``ID_SERIAL``, so the port (``ID_PATH``, as in ``/dev/v4l/by-path``) is used instead. The USB
  interface number is appended so a device with two capture interfaces gives two cameras.
- CSI (Raspberry Pi camera module): the sensor model and the I2C bus and address of its
  connector, from the sensor subdevice's name (``imx708 10-001a`` → ``csi:imx708@10-001a``):
  a sensor has no serial number, and each camera connector has its own I2C bus;
- network: the config's ``id`` if given, else the URL without credentials;
- the test pattern: ``test-pattern``.

``allocate`` (pure) gives an identity the lowest free ``cameraN``; ``IdentityStore`` keeps
the assignments in a JSON file (written atomically: temporary file, fsync, rename) so that
a number, once given, stays with its camera and is never handed to another.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Mapping
from pathlib import Path

from ..errors import StorageError
from ..statefile import read_state, versioned_field, write_atomically

log = logging.getLogger(__name__)

ID_PREFIX = "camera"
TEST_PATTERN_IDENTITY = "test-pattern"
FILE_VERSION = 1
_ID_RE = re.compile(rf"^{ID_PREFIX}(\d+)$")


# -- pure ------------------------------------------------------------------------------------
def usb_identity(properties: Mapping[str, str], device_node: str | None = None) -> str:
    """The identity of a V4L2 node from its udev properties (see the module docstring)."""
    serial = properties.get("ID_SERIAL", "")
    has_real_serial = bool(properties.get("ID_SERIAL_SHORT"))
    path = properties.get("ID_PATH", "")
    interface = properties.get("ID_USB_INTERFACE_NUM", "")
    suffix = f":{interface}" if interface else ""
    if serial and (has_real_serial or not path):
        return f"serial:{serial}{suffix}"
    if path:
        return f"path:{path}{suffix}"
    if device_node:
        return f"node:{device_node}"
    raise ValueError("a V4L2 device without ID_SERIAL, ID_PATH or device node has no identity")


def csi_identity(model: str, port: str) -> str:
    return f"csi:{model}@{port}"


def network_identity(url_without_credentials: str, config_id: str | None = None) -> str:
    return f"net-id:{config_id}" if config_id else f"net-url:{url_without_credentials}"


def id_number(camera_id: str) -> int | None:
    m = _ID_RE.match(camera_id)
    return int(m.group(1)) if m else None


def allocate(identity: str, assigned: Mapping[str, str]) -> str:
    """The id for ``identity``: its existing one, else the lowest ``cameraN`` not yet given
    to any identity in ``assigned`` (identity -> id)."""
    if identity in assigned:
        return assigned[identity]
    taken = {n for n in (id_number(i) for i in assigned.values()) if n is not None}
    n = 0
    while n in taken:
        n += 1
    return f"{ID_PREFIX}{n}"


def encode(assigned: Mapping[str, str]) -> str:
    entries = [
        {"id": camera_id, "identity": identity}
        for identity, camera_id in sorted(assigned.items(), key=lambda kv: id_number(kv[1]) or 0)
    ]
    return json.dumps({"version": FILE_VERSION, "cameras": entries}, indent=2) + "\n"


def decode(text: str) -> dict[str, str]:
    """identity -> id; raises ``ValueError`` on anything malformed or contradictory."""
    entries = versioned_field(text, FILE_VERSION, "cameras", list)
    assigned: dict[str, str] = {}
    seen_ids: set[str] = set()
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ValueError(f"cameras[{i}] must be an object")
        camera_id, identity = entry.get("id"), entry.get("identity")
        if not isinstance(camera_id, str) or id_number(camera_id) is None:
            raise ValueError(f"cameras[{i}].id must look like {ID_PREFIX}N")
        if not isinstance(identity, str) or not identity:
            raise ValueError(f"cameras[{i}].identity must be a non-empty string")
        if camera_id in seen_ids or identity in assigned:
            raise ValueError(f"cameras[{i}] repeats an id or identity")
        seen_ids.add(camera_id)
        assigned[identity] = camera_id
    return assigned


# -- persistence -----------------------------------------------------------------------------
class IdentityStore:
    """Identity -> ``cameraN`` assignments, persisted at ``path`` (normally
    ``StorageConfig.state_dir / "cameras.json"``).

    ``await load()`` once before use (the monitor does it). A corrupt file is moved aside
    (``cameras.json.corrupt-<time>``) and logged, never silently overwritten. A file that
    cannot be written is logged once; the ids stay stable for the running process.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._assigned: dict[str, str] = {}
        self._loaded = False
        self._lock = asyncio.Lock()
        self._write_failed = False

    @property
    def loaded(self) -> bool:
        return self._loaded

    def assignments(self) -> dict[str, str]:
        """identity -> id (a copy)."""
        return dict(self._assigned)

    def lookup(self, identity: str) -> str | None:
        return self._assigned.get(identity)

    def identity_of(self, camera_id: str) -> str | None:
        return next((i for i, c in self._assigned.items() if c == camera_id), None)

    async def load(self) -> None:
        loop = asyncio.get_running_loop()
        self._assigned = await loop.run_in_executor(None, self._read)
        self._loaded = True

    async def assign(self, identity: str) -> str:
        """The id of ``identity``, allocating and persisting a new one when needed."""
        async with self._lock:
            if not self._loaded:
                await self.load()
            if identity in self._assigned:
                return self._assigned[identity]
            camera_id = allocate(identity, self._assigned)
            self._assigned[identity] = camera_id
            text = encode(self._assigned)
            loop = asyncio.get_running_loop()
            try:
                await loop.run_in_executor(None, write_atomically, self.path, text)
                if self._write_failed:
                    log.info("camera ids saved again to %s", self.path)
                    self._write_failed = False
            except OSError as e:
                if not self._write_failed:
                    log.error(
                        "cannot save camera ids to %s (%s): ids stay stable only until restart",
                        self.path,
                        e.strerror or e,
                    )
                self._write_failed = True
            log.info("camera id %s given to %s", camera_id, identity)
            return camera_id

    def _read(self) -> dict[str, str]:
        try:
            return read_state(self.path, decode, {}, self._log_corrupt)
        except OSError as e:
            raise StorageError(f"cannot read camera ids from {self.path}: {e}") from e

    def _log_corrupt(self, reason: str, where: str) -> None:
        log.error("camera id file %s is invalid (%s); %s; starting afresh", self.path, reason, where)
