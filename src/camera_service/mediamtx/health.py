"""Whether MediaMTX answers: ``HealthWatch`` asks ``GET /v3/info`` every ``health_interval``
while MediaMTX answers; while it does not, every ``DOWN_RETRY`` (0.1 s), so its return is
noticed and the paths restored within a tenth of a second (a viewer plays again within 2 s
of it). The cost stays bounded: one ``/v3/info`` at a time, each bounded by the client's
timeout, refused at once on loopback while MediaMTX is down; the systemd unit state at most
every ``UNIT_STATE_EVERY``. A change of MediaMTX's ``started`` time (it restarted between two polls,
losing the paths it was given through the API) counts as a return too: both await
``on_return`` (the paths restored, at most ``RETURN_TIMEOUT``) before the health says
"connected", so a client told MediaMTX is back finds its camera paths there (a viewer who
tried earlier would get "path not configured" and wait for its next try). "unavailable" and
"recovered" are logged once each; while it is down, the health detail carries the systemd
state of ``MediaMTXConfig.unit`` when a ``unit_state`` reader was given.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from ..config.model import MediaMTXConfig
from ..errors import MediaMTXError, MediaMTXUnavailable
from ..models import Clock, ComponentHealth
from ..waits import bounded, wait_event
from .client import MediaMTXClient
from .models import Info

log = logging.getLogger(__name__)

COMPONENT = "mediamtx"
DOWN_RETRY = 0.1  # how often MediaMTX is asked while it does not answer (s)
RETURN_TIMEOUT = 5.0  # the longest the health waits for on_return (s)
MIN_SPACING = 0.1  # checks asked for (request_check) come at most this often (s)
UNIT_STATE_EVERY = 10.0  # re-read the systemd unit state at most this often while down (s)
UNIT_STATE_TIMEOUT = 3.0
NOT_BEFORE_LIMIT = 30.0  # the longest the first health check waits for ``not_before`` (s)

UnitStateReader = Callable[[], Awaitable[str | None]]
HealthHook = Callable[[ComponentHealth], None]


def next_check_in(available: bool, health_interval: float) -> float:
    """Seconds until the next check: ``health_interval`` while MediaMTX answers, else
    ``DOWN_RETRY`` (or ``health_interval`` where that is shorter)."""
    if available or 0 < health_interval < DOWN_RETRY:
        return health_interval
    return DOWN_RETRY


def down_detail(reason: str, unit: str, unit_state: str | None) -> str:
    """Why MediaMTX is unavailable, with its systemd unit's state when known."""
    return f"{reason}; {unit} is {unit_state}" if unit_state else reason


class HealthWatch:
    def __init__(
        self,
        client: MediaMTXClient,
        config: MediaMTXConfig,
        clock: Clock,
        on_return: Callable[[], Awaitable[None]],
        unit_state: UnitStateReader | None = None,
        on_health_change: HealthHook | None = None,
        not_before: asyncio.Event | None = None,
    ) -> None:
        self._client = client
        self._config = config
        self._clock = clock
        self._on_return = on_return
        self._unit_state = unit_state
        self.on_health_change = on_health_change
        self._not_before = not_before
        self.health = ComponentHealth(COMPONENT, False, "starting",
                                      f"connecting to {config.api_url}")
        self.available = False
        self._started: str | None = None  # MediaMTX's start time, to notice restarts
        self._down_since: float | None = None
        self._unit: str | None = None
        self._unit_read_at: float | None = None
        self._check_wanted = asyncio.Event()

    def request_check(self) -> None:
        """Check again now (a call found MediaMTX unreachable, a client asks for the
        health), or ``MIN_SPACING`` after the last check: however often it is asked, MediaMTX
        is asked at most that often."""
        self._check_wanted.set()

    async def run(self) -> None:
        if self._not_before is not None and not await wait_event(self._not_before,
                                                                     NOT_BEFORE_LIMIT):
            log.warning("API server not listening after %.0f s; asking MediaMTX anyway",
                        NOT_BEFORE_LIMIT, extra={"COMPONENT": COMPONENT})
        while True:
            try:
                await self.check()
            except Exception:  # a bug must not end the loop: log it and go on
                log.exception("MediaMTX health check failed")
            checked = self._clock.monotonic()
            if await wait_event(self._check_wanted,
                                    next_check_in(self.available, self._config.health_interval)):
                await asyncio.sleep(max(0.0, checked + MIN_SPACING - self._clock.monotonic()))
            self._check_wanted.clear()

    async def check(self) -> ComponentHealth:
        """Ask MediaMTX once and update the health."""
        try:
            info = await self._client.info()
        except MediaMTXUnavailable as e:
            await self._went_down("unreachable", e.detail)
        except MediaMTXError as e:
            await self._went_down("error", f"{self._config.api_url}: {e}")
        else:
            await self._came_up(info)
        return self.health

    async def _came_up(self, info: Info) -> None:
        extra = {"COMPONENT": COMPONENT}
        returned = not self.available or info.started != self._started
        if not self.available:
            if self._down_since is None:
                log.info("MediaMTX %s reachable at %s", info.version, self._config.api_url,
                         extra=extra)
            else:
                log.info("MediaMTX recovered after %.1f s", self._clock.monotonic() -
                         self._down_since, extra=extra)
        elif returned:
            log.info("MediaMTX restarted (started %s); restoring its paths", info.started,
                     extra=extra)
        self.available = True
        self._started = info.started
        self._down_since = None
        self._unit = self._unit_read_at = None
        if returned:
            try:
                await bounded(self._on_return(), RETURN_TIMEOUT)
            except TimeoutError:
                log.warning("MediaMTX paths not restored within %.0f s", RETURN_TIMEOUT,
                            extra=extra)
        self._set_health(ComponentHealth(
            COMPONENT, True, "connected", f"MediaMTX {info.version} at {self._config.api_url}"
        ))

    async def _went_down(self, state: str, reason: str) -> None:
        now = self._clock.monotonic()
        changed = self.available or self.health.state != state
        self.available = False
        if self._down_since is None:
            self._down_since = now
        unit_before = self._unit
        if self._unit_state is not None and (
            changed or self._unit_read_at is None or now - self._unit_read_at >= UNIT_STATE_EVERY
        ):
            self._unit_read_at = now
            self._unit = await self._read_unit()
        detail = down_detail(reason, self._config.unit, self._unit)
        if changed:
            log.warning("MediaMTX unavailable: %s", detail, extra={"COMPONENT": COMPONENT})
        elif self._unit != unit_before and self._unit:
            log.warning("MediaMTX still unavailable; %s is now %s", self._config.unit,
                        self._unit, extra={"COMPONENT": COMPONENT})
        self._set_health(ComponentHealth(COMPONENT, False, state, detail))

    async def _read_unit(self) -> str | None:
        assert self._unit_state is not None
        try:
            return await bounded(self._unit_state(), UNIT_STATE_TIMEOUT)
        except TimeoutError:
            return None
        except Exception as e:  # noqa: BLE001 - the unit state only decorates a message
            log.debug("cannot read the state of %s: %s", self._config.unit, e)
            return None

    def _set_health(self, health: ComponentHealth) -> None:
        if health == self.health:
            return
        self.health = health
        if self.on_health_change is not None:
            try:
                self.on_health_change(health)
            except Exception:  # a failing hook must not stop health checks
                log.exception("MediaMTX health hook failed")
