"""MediaMTX as the rest of the service sees it (``ports.Streams``): health, stream URLs,
stream state and kept streams, over the two tasks that run while the service is entered:

* **health** (``health.HealthWatch``): asks MediaMTX whether it answers, often while it does
  not; on its return (or restart) the paths are restored before the health says so.
* **reconcile** (``path_sync.PathSync``): keeps MediaMTX's paths equal to the cameras, on
  every camera event, on MediaMTX's return and every ``reconcile_interval``.

The URLs come from ``urls``. Nothing here blocks the service when MediaMTX is down: the API
keeps answering, stream state calls raise ``MediaMTXUnavailable``, and ``reader_url`` sends
network-camera readers (snapshots, recordings) straight to the camera.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable

from ..config.model import MediaMTXConfig
from ..credentials import InternalCredentials
from ..errors import MediaMTXUnavailable
from ..lifecycle import Component
from ..models import Camera, CameraEvent, Clock, ComponentHealth
from ..models_streams import StreamReport, StreamStarted, StreamState, StreamStopped
from ..ports import CameraDirectory
from ..waits import cancel_and_wait
from . import urls
from .client import MediaMTXClient
from .health import HealthHook, HealthWatch, UnitStateReader
from .keepalive import is_keepalive_path, keepalive_name
from .path_sync import PathSync
from .reconcile import Action
from .streaming import StreamKeeper, paths_by_name

log = logging.getLogger(__name__)

STOP_TIMEOUT = 5.0


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
        """``not_before``: the first health check waits for it (at most
        ``health.NOT_BEFORE_LIMIT``): with stream auth MediaMTX asks our API server about our
        own API calls, so asking before it listens would only be refused."""
        self._client = client
        self._credentials = credentials or InternalCredentials()
        self._cameras = cameras
        self._config = config
        self._public_host = urls.url_host(public_host)
        self._clock = clock or Clock()
        self._tasks: list[asyncio.Task[None]] = []
        self._unsubscribe: Callable[[], None] | None = None
        self.keeper = StreamKeeper(client, config, self._clock, self.reconcile_now)
        self._health = HealthWatch(client, config, self._clock, self._restore_paths,
                                   unit_state, on_health_change, not_before)
        self._sync = PathSync(client, cameras, config, self._credentials, self.keeper,
                              self._clock, self.reader_url, lambda: self._health.available,
                              self._health.request_check)

    @property
    def on_health_change(self) -> HealthHook | None:
        return self._health.on_health_change

    @on_health_change.setter
    def on_health_change(self, hook: HealthHook | None) -> None:
        self._health.on_health_change = hook

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        self._unsubscribe = self._cameras.subscribe(self._on_camera_event)
        self._tasks = [
            asyncio.create_task(self._health.run(), name="mediamtx-health"),
            asyncio.create_task(self._sync.run(), name="mediamtx-reconcile"),
        ]

    async def stop(self) -> None:
        await self.stop_watching()

    async def stop_watching(self) -> None:
        """End the health checks and the path sync, the calls to MediaMTX's API this service
        makes by itself (``stop`` does it too). The app calls it before its API server
        closes: with stream auth MediaMTX asks that server about each of our API calls, and
        one made after it closed is refused with a warning in MediaMTX's log. Calls made for
        a client (``stream_report``, ...) go on until then."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        tasks, self._tasks = self._tasks, []
        await asyncio.gather(*(cancel_and_wait(task, STOP_TIMEOUT) for task in tasks))

    # -- ports.Streams -----------------------------------------------------------------------
    def health(self) -> ComponentHealth:
        return self._health.health

    def recheck(self) -> None:
        self._health.request_check()

    @property
    def mediamtx_available(self) -> bool:
        return self._health.available

    def stream_name(self, camera_id: str) -> str:
        return camera_id

    def stream_urls(self, camera_id: str) -> dict[str, str]:
        return urls.stream_urls(self.stream_name(camera_id), self._public_host, self._config)

    def reader_url(self, camera: Camera) -> str:
        """Where this host's own readers (ffmpeg snapshots, recordings) read ``camera``
        (``urls.reader_url``): MediaMTX on loopback with the internal reader credential, or,
        while MediaMTX is unavailable, a network camera's own URL or the test pattern's
        lavfi source."""
        return urls.reader_url(camera, self.stream_name(camera.id), self._health.available,
                               self._config, self._credentials)

    async def stream_status(self, camera_id: str) -> StreamState:
        name = self.stream_name(camera_id)
        self._raise_if_unreachable()
        try:
            path = (await paths_by_name(self._client)).get(name)
        except MediaMTXUnavailable:
            self._health.request_check()
            raise
        if path is None:
            return StreamState(name=name, ready=False, readers=0, bytes_sent=0)
        return path.to_stream_state()

    async def streams(self) -> list[StreamState]:
        self._raise_if_unreachable()
        try:
            paths = await self._client.paths_list()
        except MediaMTXUnavailable:
            self._health.request_check()
            raise
        keeping = {p.name for p in paths if is_keepalive_path(p.name) and p.ready}
        owned = [_without_keepalive(p.to_stream_state(), keepalive_name(p.name) in keeping)
                 for p in paths if self._sync.owns(p.name) and not is_keepalive_path(p.name)]
        return sorted(owned, key=lambda s: (len(s.name), s.name))

    # -- streams kept published (``streaming.StreamKeeper``) ----------------------------------
    async def start_streaming(self, camera: Camera) -> StreamStarted:
        self._raise_if_unavailable()
        try:
            return await self.keeper.start(camera)
        finally:
            self._sync.request()  # the loop's next wake-up now counts this deadline

    async def stop_streaming(self, camera_id: str) -> StreamStopped:
        return await self.keeper.stop(camera_id, self._health.available)

    async def stream_report(self, camera: Camera) -> StreamReport:
        self._raise_if_unreachable()
        try:
            return await self.keeper.report(camera)
        except MediaMTXUnavailable:
            self._health.request_check()
            raise

    def _raise_if_unavailable(self) -> None:
        if not self._health.available:
            raise MediaMTXUnavailable(self._health.health.detail)

    def _raise_if_unreachable(self) -> None:
        # fail fast instead of waiting a request timeout per call on a hung MediaMTX;
        # the health loop notices its return within health_interval
        if self._health.health.state == "unreachable":
            raise MediaMTXUnavailable(self._health.health.detail)

    # -- reconciling and health (``path_sync``, ``health``) ----------------------------------
    def request_reconcile(self) -> None:
        self._sync.request()

    async def _restore_paths(self) -> None:
        """MediaMTX is back (or restarted): its paths, before the health says so."""
        await self._sync.pass_once()

    async def reconcile_now(self) -> list[Action]:
        """One reconcile pass; returns the actions that were applied. Raises
        ``MediaMTXUnavailable`` / ``MediaMTXError`` when the path list cannot be read."""
        return await self._sync.reconcile_now()

    async def check_health(self) -> ComponentHealth:
        """Ask MediaMTX once and update the health (the loop does this on its own)."""
        return await self._health.check()

    def _on_camera_event(self, event: CameraEvent) -> None:
        self._sync.request()  # only enqueue: the bus publishes synchronously


def _without_keepalive(state: StreamState, keepalive_reading: bool) -> StreamState:
    """A path's state with the readers other than our own keepalive pull."""
    if not keepalive_reading:
        return state
    return dataclasses.replace(state, readers=max(0, state.readers - 1))
