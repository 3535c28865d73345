"""uevents handled per node: ``NodeQueue`` takes the events read in one wake-up (a camera's
capture and metadata nodes arrive together) as one batch, after ``debounce`` seconds more when
that is set (0: at once). While a node is being handled, its newer events wait, the newest
superseding an older one still waiting, so a burst of plugs and unplugs of one node costs one
handling and ends in the right state. A handler that fails is logged; the queue goes on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from .udev import UdevEvent

log = logging.getLogger(__name__)
COMPONENT = "camera_monitor"

Handler = Callable[[UdevEvent], Awaitable[None]]


class NodeQueue:
    def __init__(self, handle: Handler, debounce: float) -> None:
        self._handle = handle
        self._debounce = debounce
        self._pending: dict[str, UdevEvent] = {}  # sys_path -> newest unhandled event
        self._workers: dict[str, asyncio.Task[None]] = {}  # sys_path -> its handler
        self._flush: asyncio.Handle | None = None

    def __contains__(self, sys_path: object) -> bool:
        """Whether an event for ``sys_path`` waits (a newer one than that being handled)."""
        return sys_path in self._pending

    def waiting(self, sys_path: str) -> UdevEvent | None:
        """The event for ``sys_path`` that waits to be handled, if any."""
        return self._pending.get(sys_path)

    def add(self, event: UdevEvent) -> None:
        """Queue ``event``, superseding an older one of its node that still waits."""
        self._pending[event.sys_path] = event

    def add_unless_waiting(self, event: UdevEvent) -> None:
        """Queue ``event`` unless an event of its node waits already (that one is newer)."""
        self._pending.setdefault(event.sys_path, event)

    def uevent(self, event: UdevEvent) -> None:
        """A live uevent: queue it and start its batch after the rest of this wake-up's
        events (or ``debounce`` seconds)."""
        self.add(event)
        if self._flush is None:
            loop = asyncio.get_running_loop()
            if self._debounce > 0:
                self._flush = loop.call_later(self._debounce, self.start_workers)
            else:  # after the rest of this wake-up's events
                self._flush = loop.call_soon(self.start_workers)

    def start_workers(self) -> None:
        """Handle every waiting node now (one task per node)."""
        self._flush = None
        for sys_path in list(self._pending):
            if sys_path not in self._workers:
                task = asyncio.get_running_loop().create_task(self._work(sys_path))
                self._workers[sys_path] = task

    async def settle(self, limit: float = 10.0) -> None:
        """Wait (at most ``limit`` seconds) until no event is waiting or being handled."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while self._pending or self._workers or self._flush is not None:
            if loop.time() >= deadline:
                raise TimeoutError("camera monitor did not settle")
            if self._workers:
                await asyncio.wait(list(self._workers.values()), timeout=deadline - loop.time())
            else:
                await asyncio.sleep(min(self._debounce, 0.01) or 0.001)

    def cancel_flush(self) -> None:
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None

    def workers(self) -> list[asyncio.Task[None]]:
        return list(self._workers.values())

    def clear(self) -> None:
        """Forget the workers (cancelled by the caller) and the waiting events."""
        self._workers.clear()
        self._pending.clear()

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
