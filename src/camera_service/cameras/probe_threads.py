"""``ProbeThreads``: the executor V4L2 probes run in, one daemon thread per probe, so that a
driver that never answers holds only its own thread and never the process's exit."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, TypeVar

from ..errors import ProbeError

T = TypeVar("T")


class ProbeThreads(Executor):
    """Runs each probe in a daemon thread of its own, at most ``limit`` at a time.

    An ioctl that never returns (a wedged driver: the thread sits in the kernel and cannot
    be stopped) then holds only its own thread: other cameras are still probed, and the
    process can still exit (a ``ThreadPoolExecutor`` joins its workers at exit, and four
    stuck ones would have stopped all probing). Beyond ``limit`` threads still waiting for
    their drivers, a probe fails at once with ``ProbeError`` instead of queueing forever."""

    def __init__(self, limit: int = 16) -> None:
        self._limit = limit
        self._lock = threading.Lock()
        self._running = 0

    @property
    def running(self) -> int:
        return self._running

    def submit(  # type: ignore[override]
        self, fn: Callable[..., T], /, *args: Any, **kwargs: Any
    ) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            if self._running >= self._limit:
                future.set_exception(ProbeError(
                    f"{self._running} probes are still waiting for their drivers"
                ))
                return future
            self._running += 1

        def run() -> None:
            try:
                if future.set_running_or_notify_cancel():
                    try:
                        result = fn(*args, **kwargs)
                    except Exception as e:  # noqa: BLE001 (handed over to the awaiting caller)
                        future.set_exception(e)
                    else:
                        future.set_result(result)
            finally:
                with self._lock:
                    self._running -= 1

        threading.Thread(target=run, name="v4l2-probe", daemon=True).start()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Nothing to wait for: a thread still in a driver is left to the process's exit."""
