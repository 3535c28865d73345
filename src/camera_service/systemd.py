"""sd_notify and the watchdog, over the AF_UNIX datagram socket named by ``NOTIFY_SOCKET``.

Nothing happens when ``NOTIFY_SOCKET`` is unset. The variables are taken out of the
environment at start so child processes (ffmpeg, ffprobe) never inherit them. The watchdog
ping is sent by a task on the event loop itself, so a stuck loop stops the pings and systemd
kills the service.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import MutableMapping

log = logging.getLogger(__name__)


class Notifier:
    def __init__(self, env: MutableMapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        address = env.pop("NOTIFY_SOCKET", "")
        watchdog_usec = env.pop("WATCHDOG_USEC", "")
        watchdog_pid = env.pop("WATCHDOG_PID", "")
        self._address = "\0" + address[1:] if address.startswith("@") else address
        self._socket: socket.socket | None = None
        self._status = ""
        self._failed = False
        self.watchdog_interval: float | None = None
        if watchdog_usec.isdigit() and int(watchdog_usec) > 0:
            if not watchdog_pid or watchdog_pid == str(os.getpid()):
                self.watchdog_interval = int(watchdog_usec) / 1_000_000 / 2

    @property
    def enabled(self) -> bool:
        return bool(self._address)

    def notify(self, *lines: str) -> bool:
        if not self._address:
            return False
        try:
            if self._socket is None:
                self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
                self._socket.setblocking(False)
            self._socket.sendto("\n".join(lines).encode(), self._address)
        except OSError as e:
            if not self._failed:
                log.warning("cannot notify systemd at %s: %s", self._address, e)
                self._failed = True
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
        if self._socket is not None:
            self._socket.close()
            self._socket = None
