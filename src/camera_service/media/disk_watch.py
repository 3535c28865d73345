"""The free space of the recorder's storage locations, read off the loop (``disk_space`` says
what it means).

``DiskWatch.check`` reads each folder's filesystem (``st_dev``) and, once per filesystem,
its free space (``statvfs``, the blocks available to us, as ``Storage.free_bytes``), in a
worker thread; it logs a location going low or coming back once, and says whether any
location changed, so the recorder wakes its workers. A folder that cannot be read keeps
its last state (logged at debug level: the next check tries again).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from pathlib import Path

from . import disk_space as space

log = logging.getLogger(__name__)


class DiskWatch:
    def __init__(self, folders: Mapping[str, Path], min_free_mb: int) -> None:
        self.folders = dict(folders)  # location -> folder
        self.min_free_mb = min_free_mb
        self.states: dict[str, space.DiskState] = {}

    def for_camera(self, mode: str) -> space.DiskState:
        return space.for_camera(mode, self.states)

    async def check(self) -> bool:
        """Read every location; True if one of them went low or came back."""
        readings = await asyncio.get_running_loop().run_in_executor(None, read, self.folders)
        new = space.update(self.states, readings, self.min_free_mb)
        changed = [loc for loc, s in new.items() if s.ok != self.states.get(loc, space.OK).ok]
        for loc in changed:
            where = space.WHERE.get(loc, loc)
            if new[loc].ok:
                log.info("free space for %s recovered", where, extra={"COMPONENT": "media"})
            else:
                log.warning("%s: pausing the cameras that write there", new[loc].reason,
                            extra={"COMPONENT": "media"})  # fmt: skip
        self.states = new
        return bool(changed)


def read(folders: Mapping[str, Path]) -> list[space.Reading]:
    """Blocking: one reading per folder that can be read, one ``statvfs`` per filesystem."""
    free: dict[int, int] = {}
    out = []
    for location, folder in folders.items():
        try:
            device = os.stat(folder).st_dev
            if device not in free:
                st = os.statvfs(folder)
                free[device] = st.f_bavail * st.f_frsize
        except OSError as e:
            log.debug("free space for %s unknown: %s", location, e)
            continue
        out.append(space.Reading(location, device, free[device]))
    return out
