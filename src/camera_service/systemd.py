"""sd_notify and the watchdog through the ``sdnotify`` library (Debian's python3-sdnotify),
to the socket named by ``NOTIFY_SOCKET``.

Nothing happens when ``NOTIFY_SOCKET`` is unset. The variables are taken out of the
environment at start so child processes (ffmpeg, ffprobe) never inherit them: sdnotify reads
the address from the process environment once, when its notifier is made, and keeps the
connected socket, so the notifier is made at start (single-threaded, in ``__main__``) with
the address put back for that moment only. The watchdog ping is sent by a task on the event
loop itself, so a stuck loop stops the pings and systemd kills the service.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import warnings
from collections.abc import MutableMapping

import sdnotify

log = logging.getLogger(__name__)
VARIABLE = "NOTIFY_SOCKET"


def _connect(address: str) -> sdnotify.SystemdNotifier:
    """sdnotify's notifier connected to ``address``, which it takes from ``os.environ``
    (restored as it was afterwards). Raises ``OSError`` when nothing listens there."""
    saved = os.environ.get(VARIABLE)
    os.environ[VARIABLE] = address
    try:
        with warnings.catch_warnings():
            # a failed connect drops its socket unclosed (a ResourceWarning, nothing else)
            warnings.simplefilter("ignore", ResourceWarning)
            notifier = sdnotify.SystemdNotifier(debug=True)  # debug: raise instead of hiding
    finally:
        if saved is None:
            os.environ.pop(VARIABLE, None)
        else:
            os.environ[VARIABLE] = saved
    notifier.socket.setblocking(False)  # a full queue drops a message; the loop never waits
    return notifier


class Notifier:
    def __init__(self, env: MutableMapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        address = env.pop(VARIABLE, "")
        watchdog_usec = env.pop("WATCHDOG_USEC", "")
        watchdog_pid = env.pop("WATCHDOG_PID", "")
        self._address = address
        self._notifier: sdnotify.SystemdNotifier | None = None
        self._status = ""
        self._failed = False
        if address:
            try:
                self._notifier = _connect(address)
            except OSError as e:
                self._report(e)
        self.watchdog_interval: float | None = None
        if watchdog_usec.isdigit() and int(watchdog_usec) > 0:
            if not watchdog_pid or watchdog_pid == str(os.getpid()):
                self.watchdog_interval = int(watchdog_usec) / 1_000_000 / 2

    @property
    def enabled(self) -> bool:
        return bool(self._address)

    def _report(self, e: OSError) -> None:
        if not self._failed:
            log.warning("cannot notify systemd at %s: %s", self._address, e)
            self._failed = True

    def notify(self, *lines: str) -> bool:
        if self._notifier is None:
            return False
        # sdnotify encodes as Latin-1; systemd reads UTF-8: hand it the UTF-8 bytes as Latin-1
        text = "\n".join(lines).encode("utf-8", "replace").decode("latin-1")
        try:
            self._notifier.notify(text)
        except OSError as e:
            self._report(e)
            return False
        if self._failed:
            log.info("systemd notification socket works again")
            self._failed = False
        return True

    def ready(self, status: str | None = None) -> None:
        lines = ["READY=1"]
        if status is not None:
            self._status = status
            lines.append(f"STATUS={status}")
        self.notify(*lines)

    def status(self, text: str) -> None:
        """Send ``STATUS=`` only when it changed."""
        if text != self._status:
            self._status = text
            self.notify(f"STATUS={text}")

    def reloading(self) -> None:
        usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        self.notify("RELOADING=1", f"MONOTONIC_USEC={usec}", "STATUS=reloading configuration")

    def stopping(self) -> None:
        self.notify("STOPPING=1", "STATUS=stopping")

    async def watchdog(self) -> None:
        """Ping the watchdog at half of ``WATCHDOG_USEC`` until cancelled."""
        if self.watchdog_interval is None or not self.enabled:
            return
        log.debug("watchdog ping every %.3f s", self.watchdog_interval)
        while True:
            self.notify("WATCHDOG=1")
            await asyncio.sleep(self.watchdog_interval)

    def close(self) -> None:
        if self._notifier is not None:
            self._notifier.socket.close()
            self._notifier = None
