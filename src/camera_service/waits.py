"""Bounded waits that never lose a cancellation.

On Python 3.11 (Debian 12), ``asyncio.wait_for(event.wait(), t)`` returns normally when the
task is cancelled in the same loop step as the event is set: the cancellation is swallowed
(CPython gh-86296, fixed in 3.12). A worker loop built on it then goes round again and the
``task.cancel(); await task`` that was to stop it waits for ever. ``asyncio.timeout`` counts
cancellations (``Task.cancelling``) and has no such gap, so the waits here use it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

RECANCEL_EVERY = 0.1  # how often ``cancel_and_wait`` repeats a cancellation (s)


async def wait_event(event: asyncio.Event, seconds: float | None) -> bool:
    """Wait for ``event`` at most ``seconds`` (None: no bound); True if it is set."""
    if event.is_set():
        return True
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        return event.is_set()
    return True


async def cancel_and_wait(task: asyncio.Task[object] | asyncio.Future[object], within: float) -> bool:
    """Cancel ``task`` and wait at most ``within`` seconds for it to end, cancelling it again
    should it go on (code outside ours may still swallow one). True if it ended. A
    cancellation of the caller is passed on, after the task has been cancelled."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not task.done():
        task.cancel()
        left = deadline - loop.time()
        if left <= 0:
            log.error("%s did not stop within %.1f s of being cancelled", _name(task), within)
            return False
        await asyncio.wait({task}, timeout=min(RECANCEL_EVERY, left))
    if not task.cancelled():
        with contextlib.suppress(Exception):
            task.exception()  # retrieved, so asyncio does not log it again at exit
    return True


async def settle(task: asyncio.Future[Any], within: float) -> bool:
    """For cleanup in a cancellation handler (which re-raises afterwards): wait at most
    ``within`` seconds for ``task`` to end, through further cancellations of the caller
    (``cancel_and_wait`` repeats them); a task still running then is cancelled and left.
    True if it ended by itself."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not task.done():
        left = deadline - loop.time()
        if left <= 0:
            task.cancel()
            return False
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait({task}, timeout=left)
    return True


def _name(task: asyncio.Future[object]) -> str:
    return task.get_name() if isinstance(task, asyncio.Task) else repr(task)


async def bounded(awaitable: Awaitable[T], seconds: float | None) -> T:
    """``await awaitable`` for at most ``seconds`` (None: no bound), else ``TimeoutError``:
    ``asyncio.wait_for`` without its lost cancellations (and without an extra task)."""
    async with asyncio.timeout(seconds):
        return await awaitable
