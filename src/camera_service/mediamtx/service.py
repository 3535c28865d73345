"""MediaMTX as the rest of the service sees it (``ports.Streams``): health, stream URLs,
stream state, and the loops that keep MediaMTX's paths equal to the cameras.

Two tasks run while the service is entered:

* **health**: ``GET /v3/info`` every ``health_interval`` while MediaMTX answers; while it
  does not, retries back off from 0.25 s to ``health_interval / 2``, so its return is
  noticed and the paths restored well within ``health_interval``. A change of MediaMTX's
  ``started`` time (it restarted between two polls, losing the paths it was given through
  the API) counts as a return too. "unavailable" and "recovered" are logged once each;
  while it is down, the health detail carries the systemd state of ``MediaMTXConfig.unit``
  when a ``unit_state`` reader was given.
* **reconcile**: on every camera event (bursts coalesce), on MediaMTX's return, and every
  ``reconcile_interval``: list MediaMTX's path configurations, compute the actions with the
  pure ``reconcile()``, apply them. Only owned paths are touched: ``camera<N>`` names and any
  name this process configured (MediaMTX has no free-form marker field in ``PathConf``).

Nothing here blocks the service when MediaMTX is down: the API keeps answering, stream
state calls raise ``MediaMTXUnavailable``, and ``reader_url`` sends network-camera readers
(snapshots, recordings) straight to the camera.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Awaitable, Callable

from ..config.model import MediaMTXConfig
from ..credentials import InternalCredentials
from ..errors import CameraUnavailable, MediaMTXError, MediaMTXUnavailable
from ..lifecycle import Component
from ..models import (
    LAVFI_PREFIX,
    Camera,
    CameraEvent,
    CameraKind,
    Clock,
    ComponentHealth,
    StreamReport,
    StreamStarted,
    StreamState,
    StreamStopped,
)
from ..ports import CameraDirectory
from .client import MediaMTXClient
from .keepalive import is_keepalive_path, keepalive_name
from .models import Info
from .paths import desired_paths, is_camera_path, test_pattern_source
from .reconcile import Action, ActionKind, reconcile
from .streaming import StreamKeeper

log = logging.getLogger(__name__)

COMPONENT = "mediamtx"
FIRST_RETRY = 0.25  # first re-check after MediaMTX stops answering (s)
COALESCE = 0.05  # camera events this close together give one reconcile (s)
UNIT_STATE_EVERY = 10.0  # re-read the systemd unit state at most this often while down (s)
UNIT_STATE_TIMEOUT = 3.0
STOP_TIMEOUT = 5.0
NOT_BEFORE_LIMIT = 30.0  # the longest the first health check waits for ``not_before`` (s)

UnitStateReader = Callable[[], Awaitable[str | None]]
HealthHook = Callable[[ComponentHealth], None]


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


async def _wait(event: asyncio.Event, seconds: float) -> bool:
    """Wait for ``event`` at most ``seconds``; True if it was set."""
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except TimeoutError:
        return False
    return True


class StreamService(Component):
    def __init__(
        self,
        client: MediaMTXClient,
        cameras: CameraDirectory,
        config: MediaMTXConfig,
        public_host: str,
        clock: Clock | None = None,
        unit_state: UnitStateReader | None = None,
        on_health_change: HealthHook | None = None,
        credentials: InternalCredentials | None = None,
        not_before: asyncio.Event | None = None,
    ) -> None:
        """``not_before``: the first health check waits for it (at most ``NOT_BEFORE_LIMIT``):
        with stream auth MediaMTX asks our API server about our own API calls, so asking
        before it listens would only be refused."""
        self._client = client
        self._credentials = credentials or InternalCredentials()
        self._not_before = not_before
        self._cameras = cameras
        self._config = config
        self._public_host = _host(public_host)
        self._clock = clock or Clock()
        self._unit_state = unit_state
        self.on_health_change = on_health_change
        self._health = ComponentHealth(COMPONENT, False, "starting",
                                       f"connecting to {config.api_url}")
        self._available = False
        self._started: str | None = None  # MediaMTX's start time, to notice restarts
        self._down_since: float | None = None
        self._unit: str | None = None
        self._unit_read_at: float | None = None
        self._managed: set[str] = set()
        self._problems: dict[str, str] = {}
        self._action_errors: dict[str, str] = {}
        self._reconcile_error: str | None = None
        self._lock = asyncio.Lock()
        self._reconcile_wanted = asyncio.Event()
        self._check_wanted = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._unsubscribe: Callable[[], None] | None = None
        self.keeper = StreamKeeper(client, config, self._clock, self.reconcile_now)

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        self._unsubscribe = self._cameras.subscribe(self._on_camera_event)
        self._tasks = [
            asyncio.create_task(self._health_loop(), name="mediamtx-health"),
            asyncio.create_task(self._reconcile_loop(), name="mediamtx-reconcile"),
        ]

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=STOP_TIMEOUT)
            if pending:
                log.warning("MediaMTX tasks did not stop within %ss", STOP_TIMEOUT)

    # -- ports.Streams -----------------------------------------------------------------------
    def health(self) -> ComponentHealth:
        return self._health

    @property
    def mediamtx_available(self) -> bool:
        return self._available

    def stream_name(self, camera_id: str) -> str:
        return camera_id

    def stream_urls(self, camera_id: str) -> dict[str, str]:
        name, host, cfg = self.stream_name(camera_id), self._public_host, self._config
        return {
            "rtsp": f"rtsp://{host}:{cfg.rtsp_port}/{name}",
            "webrtc": f"http://{host}:{cfg.webrtc_port}/{name}/whep",
            "hls": f"http://{host}:{cfg.hls_port}/{name}/index.m3u8",
        }

    def reader_url(self, camera: Camera) -> str:
        """Where this host's own readers (ffmpeg snapshots, recordings) read ``camera``:
        MediaMTX on loopback. While MediaMTX is unavailable: a network camera's own URL, and
        the test pattern's lavfi source (``LAVFI_PREFIX``), so a machine without MediaMTX
        still has snapshots and recordings of it. A USB camera has no other way in.
        With stream auth the URL carries the internal reader credential (never shown to
        clients: only our ffmpeg gets it)."""
        if not self._available:
            if camera.kind is CameraKind.NETWORK and camera.source_url:
                return camera.source_url
            if camera.kind is CameraKind.TEST_PATTERN:
                with contextlib.suppress(CameraUnavailable):  # no usable mode: the default
                    return LAVFI_PREFIX + test_pattern_source(camera)
        reader = self._credentials.reader
        userinfo = reader.userinfo if reader is not None else ""
        return f"rtsp://{userinfo}127.0.0.1:{self._config.rtsp_port}/{self.stream_name(camera.id)}"

    async def stream_status(self, camera_id: str) -> StreamState:
        name = self.stream_name(camera_id)
        self._raise_if_unreachable()
        try:
            path = await self._client.path_get(name)
        except MediaMTXUnavailable:
            self._check_wanted.set()
            raise
        if path is None:
            return StreamState(name=name, ready=False, readers=0, bytes_sent=0)
        return path.to_stream_state()

    async def streams(self) -> list[StreamState]:
        self._raise_if_unreachable()
        try:
            paths = await self._client.paths_list()
        except MediaMTXUnavailable:
            self._check_wanted.set()
            raise
        keeping = {p.name for p in paths if is_keepalive_path(p.name) and p.ready}
        owned = [_without_keepalive(p.to_stream_state(), keepalive_name(p.name) in keeping)
                 for p in paths if self._owns(p.name) and not is_keepalive_path(p.name)]
        return sorted(owned, key=lambda s: (len(s.name), s.name))

    # -- streams kept published (``streaming.StreamKeeper``) ----------------------------------
    async def start_streaming(self, camera: Camera) -> StreamStarted:
        self._raise_if_unavailable()
        try:
            return await self.keeper.start(camera)
        finally:
            self._reconcile_wanted.set()  # the loop's next wake-up now counts this deadline

    async def stop_streaming(self, camera_id: str) -> StreamStopped:
        return await self.keeper.stop(camera_id, self._available)

    async def stream_report(self, camera: Camera) -> StreamReport:
        self._raise_if_unreachable()
        try:
            return await self.keeper.report(camera)
        except MediaMTXUnavailable:
            self._check_wanted.set()
            raise

    def _raise_if_unavailable(self) -> None:
        if not self._available:
            raise MediaMTXUnavailable(self._health.detail)

    def _raise_if_unreachable(self) -> None:
        # fail fast instead of waiting a request timeout per call on a hung MediaMTX;
        # the health loop notices its return within health_interval
        if self._health.state == "unreachable":
            raise MediaMTXUnavailable(self._health.detail)

    # -- reconciling -------------------------------------------------------------------------
    def request_reconcile(self) -> None:
        self._reconcile_wanted.set()

    async def reconcile_now(self) -> list[Action]:
        """One reconcile pass; returns the actions that were applied. Raises
        ``MediaMTXUnavailable`` / ``MediaMTXError`` when the path list cannot be read."""
        async with self._lock:
            cameras = self._cameras.cameras()
            desired, problems = desired_paths(cameras, self._config, self._credentials.publisher)
            self._note_problems(problems)
            desired.update(self.keeper.paths(cameras, desired, self.reader_url))
            self._managed.update(desired)
            confs = await self._client.config_paths_list()
            actual = {c.name: c.raw for c in confs}
            applied = []
            for action in reconcile(desired, actual, self._owns):
                if await self._apply(action):
                    applied.append(action)
            if self._reconcile_error is not None:
                log.info("MediaMTX paths reconciled again", extra={"COMPONENT": COMPONENT})
                self._reconcile_error = None
            return applied

    def _owns(self, name: str) -> bool:
        return is_camera_path(name) or is_keepalive_path(name) or name in self._managed

    def _on_camera_event(self, event: CameraEvent) -> None:
        self._reconcile_wanted.set()  # only enqueue: the bus publishes synchronously

    def _note_problems(self, problems: dict[str, str]) -> None:
        for camera_id, reason in problems.items():
            if self._problems.get(camera_id) != reason:
                log.warning("camera %s gets no MediaMTX path: %s", camera_id, reason,
                            extra={"CAMERA_ID": camera_id, "COMPONENT": COMPONENT})
        self._problems = dict(problems)

    async def _apply(self, action: Action) -> bool:
        name, conf = action.name, action.conf or {}
        client = self._client
        try:
            if action.kind is ActionKind.ADD:
                try:
                    await client.config_path_add(name, conf)
                except MediaMTXError as e:
                    if not _refused(e, 400) or "exist" not in e.detail.lower():
                        raise
                    await client.config_path_replace(name, conf)  # add on existing
            elif action.kind is ActionKind.REPLACE:
                try:
                    await client.config_path_replace(name, conf)
                except MediaMTXError as e:
                    if not _refused(e, 404):
                        raise
                    await client.config_path_add(name, conf)
            else:
                try:
                    await client.config_path_delete(name)
                except MediaMTXError as e:
                    if not _refused(e, 404):
                        raise
        except MediaMTXUnavailable:
            raise
        except MediaMTXError as e:
            if self._action_errors.get(name) != e.detail:
                log.error("MediaMTX refused to %s path %s: %s", action.kind.value, name,
                          e.detail, extra={"CAMERA_ID": name, "COMPONENT": COMPONENT})
                self._action_errors[name] = e.detail
            return False
        self._action_errors.pop(name, None)
        if action.kind is ActionKind.DELETE:
            self._managed.discard(name)
        log.info("MediaMTX path %s", action, extra={"CAMERA_ID": name, "COMPONENT": COMPONENT})
        return True

    async def _reconcile_loop(self) -> None:
        while True:
            wait = self._config.reconcile_interval
            if (deadline := self.keeper.next_deadline()) is not None:  # an auto close is due
                wait = max(0.0, min(wait, deadline - self._clock.monotonic()))
            if await _wait(self._reconcile_wanted, wait):
                await asyncio.sleep(COALESCE)
            self._reconcile_wanted.clear()
            self.keeper.expire()  # also while MediaMTX is down: a due deadline must not spin
            if not self._available:
                continue
            try:
                await self.reconcile_now()
            except MediaMTXUnavailable:
                self._check_wanted.set()
            except MediaMTXError as e:
                if self._reconcile_error != e.detail:
                    log.error("cannot reconcile MediaMTX paths: %s", e,
                              extra={"COMPONENT": COMPONENT})
                    self._reconcile_error = e.detail
            except Exception:  # a bug must not end the loop: log it and go on
                log.exception("MediaMTX reconcile failed")

    # -- health ------------------------------------------------------------------------------
    async def _health_loop(self) -> None:
        if self._not_before is not None and not await _wait(self._not_before, NOT_BEFORE_LIMIT):
            log.warning("API server not listening after %.0f s; asking MediaMTX anyway",
                        NOT_BEFORE_LIMIT, extra={"COMPONENT": COMPONENT})
        retry = FIRST_RETRY
        cap = max(FIRST_RETRY, self._config.health_interval / 2)
        while True:
            try:
                await self.check_health()
            except Exception:  # a bug must not end the loop: log it and go on
                log.exception("MediaMTX health check failed")
            if self._available:
                delay, retry = self._config.health_interval, FIRST_RETRY
            else:
                delay, retry = min(retry, cap), min(retry * 2, cap)
            await _wait(self._check_wanted, delay)
            self._check_wanted.clear()

    async def check_health(self) -> ComponentHealth:
        """Ask MediaMTX once and update the health (the loop does this on its own)."""
        try:
            info = await self._client.info()
        except MediaMTXUnavailable as e:
            await self._went_down("unreachable", e.detail)
        except MediaMTXError as e:
            await self._went_down("error", f"{self._config.api_url}: {e}")
        else:
            self._came_up(info)
        return self._health

    def _came_up(self, info: Info) -> None:
        extra = {"COMPONENT": COMPONENT}
        restarted = info.started != self._started
        if not self._available:
            if self._down_since is None:
                log.info("MediaMTX %s reachable at %s", info.version, self._config.api_url,
                         extra=extra)
            else:
                log.info("MediaMTX recovered after %.1f s", self._clock.monotonic() -
                         self._down_since, extra=extra)
            self._reconcile_wanted.set()
        elif restarted:
            log.info("MediaMTX restarted (started %s); restoring its paths", info.started,
                     extra=extra)
            self._reconcile_wanted.set()
        self._available = True
        self._started = info.started
        self._down_since = None
        self._unit = self._unit_read_at = None
        self._set_health(ComponentHealth(
            COMPONENT, True, "connected", f"MediaMTX {info.version} at {self._config.api_url}"
        ))

    async def _went_down(self, state: str, reason: str) -> None:
        now = self._clock.monotonic()
        changed = self._available or self._health.state != state
        self._available = False
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
            return await asyncio.wait_for(self._unit_state(), UNIT_STATE_TIMEOUT)
        except TimeoutError:
            return None
        except Exception as e:  # noqa: BLE001 - the unit state only decorates a message
            log.debug("cannot read the state of %s: %s", self._config.unit, e)
            return None

    def _set_health(self, health: ComponentHealth) -> None:
        if health == self._health:
            return
        self._health = health
        if self.on_health_change is not None:
            try:
                self.on_health_change(health)
            except Exception:  # a failing hook must not stop health checks
                log.exception("MediaMTX health hook failed")


def down_detail(reason: str, unit: str, unit_state: str | None) -> str:
    """Why MediaMTX is unavailable, with its systemd unit's state when known."""
    return f"{reason}; {unit} is {unit_state}" if unit_state else reason


def _without_keepalive(state: StreamState, keepalive_reading: bool) -> StreamState:
    """A path's state with the readers other than our own keepalive pull."""
    if not keepalive_reading:
        return state
    return dataclasses.replace(state, readers=max(0, state.readers - 1))


def _refused(e: MediaMTXError, status: int) -> bool:
    return not isinstance(e, MediaMTXUnavailable) and e.status == status
