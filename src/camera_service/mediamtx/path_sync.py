"""Keeping MediaMTX's paths equal to the cameras: ``PathSync`` reconciles on every camera
event (bursts coalesce), on MediaMTX's return, when a kept stream's auto close is due, and
every ``reconcile_interval``: list MediaMTX's path configurations, compute the actions with
the pure ``reconcile()``, apply them. Only owned paths are touched: ``camera<N>`` names,
keepalive paths and any name this process configured (MediaMTX has no free-form marker field
in ``PathConf``). A refusal is logged once per path and reason.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from ..config.model import MediaMTXConfig
from ..credentials import InternalCredentials
from ..errors import MediaMTXError, MediaMTXUnavailable
from ..models import Camera, Clock
from ..ports import CameraDirectory
from ..waits import wait_event
from .client import MediaMTXClient
from .health import COMPONENT
from .keepalive import is_keepalive_path
from .paths import desired_paths, is_camera_path
from .reconcile import Action, ActionKind, reconcile
from .streaming import StreamKeeper

log = logging.getLogger(__name__)

COALESCE = 0.05  # camera events this close together give one reconcile (s)


class PathSync:
    def __init__(
        self,
        client: MediaMTXClient,
        cameras: CameraDirectory,
        config: MediaMTXConfig,
        credentials: InternalCredentials,
        keeper: StreamKeeper,
        clock: Clock,
        reader_url: Callable[[Camera], str],
        available: Callable[[], bool],
        unavailable: Callable[[], None],
    ) -> None:
        """``available``: whether MediaMTX answers now (no pass while it does not);
        ``unavailable``: called when a pass finds it unreachable."""
        self._client = client
        self._cameras = cameras
        self._config = config
        self._credentials = credentials
        self._keeper = keeper
        self._clock = clock
        self._reader_url = reader_url
        self._available = available
        self._unavailable = unavailable
        self._managed: set[str] = set()
        self._problems: dict[str, str] = {}
        self._action_errors: dict[str, str] = {}
        self._reconcile_error: str | None = None
        self._lock = asyncio.Lock()
        self._wanted = asyncio.Event()

    def request(self) -> None:
        """Reconcile soon (only enqueues: callers may be synchronous event publishers)."""
        self._wanted.set()

    def owns(self, name: str) -> bool:
        return is_camera_path(name) or is_keepalive_path(name) or name in self._managed

    async def reconcile_now(self) -> list[Action]:
        """One reconcile pass; returns the actions that were applied. Raises
        ``MediaMTXUnavailable`` / ``MediaMTXError`` when the path list cannot be read."""
        async with self._lock:
            cameras = self._cameras.cameras()
            desired, problems = desired_paths(cameras, self._config, self._credentials.publisher)
            self._note_problems(problems)
            desired.update(self._keeper.paths(cameras, desired, self._reader_url))
            self._managed.update(desired)
            confs = await self._client.config_paths_list()
            actual = {c.name: c.raw for c in confs}
            applied = []
            for action in reconcile(desired, actual, self.owns):
                if await self._apply(action):
                    applied.append(action)
            if self._reconcile_error is not None:
                log.info("MediaMTX paths reconciled again", extra={"COMPONENT": COMPONENT})
                self._reconcile_error = None
            return applied

    async def run(self) -> None:
        while True:
            wait = self._config.reconcile_interval
            if (deadline := self._keeper.next_deadline()) is not None:  # an auto close is due
                wait = max(0.0, min(wait, deadline - self._clock.monotonic()))
            if await wait_event(self._wanted, wait):
                await asyncio.sleep(COALESCE)
            self._wanted.clear()
            self._keeper.expire()  # also while MediaMTX is down: a due deadline must not spin
            if self._available():
                await self.pass_once()

    async def pass_once(self) -> None:
        """One reconcile pass whose failure is logged (once per reason), never raised."""
        try:
            await self.reconcile_now()
        except MediaMTXUnavailable:
            self._unavailable()
        except MediaMTXError as e:
            if self._reconcile_error != e.detail:
                log.error("cannot reconcile MediaMTX paths: %s", e,
                          extra={"COMPONENT": COMPONENT})
                self._reconcile_error = e.detail
        except Exception:  # a bug must not end the loop: log it and go on
            log.exception("MediaMTX reconcile failed")

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


def _refused(e: MediaMTXError, status: int) -> bool:
    return not isinstance(e, MediaMTXUnavailable) and e.status == status
