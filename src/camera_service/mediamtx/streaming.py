"""``start_streaming`` / ``stop_streaming`` / ``get_stream_status`` on MediaMTX: the I/O half
of ``keepalive`` (which says how a kept stream is expressed as a MediaMTX path).

``StreamKeeper`` belongs to a ``StreamService``: the service's reconcile adds the keepalive
paths it asks for (``paths()``), so a kept stream is restored with the other paths when
MediaMTX restarts, and removed with its camera.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from ..config.model import MediaMTXConfig
from ..errors import CameraUnavailable, InvalidState, MediaMTXError
from ..models import Camera, CameraStatus, Clock
from ..models_streams import KeptStream, StreamReport, StreamStarted, StreamState, StreamStopped
from .client import MediaMTXClient
from .keepalive import (
    KeepAlives,
    PathView,
    keepalive_conf,
    keepalive_name,
    other_readers,
    stream_status,
)
from .models import Path
from .paths import wants_path

log = logging.getLogger(__name__)

READY_POLL = 0.2  # how often start_streaming looks whether the stream is up (s)

Reconcile = Callable[[], Awaitable[object]]


async def paths_by_name(client: MediaMTXClient) -> dict[str, Path]:
    """MediaMTX's paths (``GET /v3/paths/list``), by name."""
    return {p.name: p for p in await client.paths_list()}


class StreamKeeper:
    def __init__(self, client: MediaMTXClient, config: MediaMTXConfig, clock: Clock,
                 reconcile: Reconcile) -> None:
        self._client = client
        self._config = config
        self._clock = clock
        self._reconcile = reconcile
        self._kept = KeepAlives()
        self._stopped_at: dict[str, float] = {}  # monotonic time of stop_streaming

    # -- what the reconcile adds -------------------------------------------------------------
    def paths(self, cameras: Iterable[Camera], desired: Mapping[str, Any],
              reader_url: Callable[[Camera], str]) -> dict[str, dict[str, Any]]:
        """The keepalive paths of the kept cameras that have a path now."""
        self.expire()
        kept = {k.camera_id for k in self._kept.active(self._clock.monotonic())}
        return {keepalive_name(c.id): keepalive_conf(reader_url(c))
                for c in cameras if c.id in kept and c.id in desired}

    def expire(self) -> list[KeptStream]:
        gone = self._kept.expire(self._clock.monotonic())
        for k in gone:
            log.info("camera %s: kept stream closed after %.0f s (auto_close_after)",
                     k.camera_id, k.keep_for, extra={"CAMERA_ID": k.camera_id,
                                                     "COMPONENT": "mediamtx"})
            self._stopped_at[k.camera_id] = self._clock.monotonic()
        return gone

    def next_deadline(self) -> float | None:
        """Monotonic time of the next auto close (the reconcile loop wakes up for it)."""
        return self._kept.next_deadline()

    def kept(self, camera_id: str) -> KeptStream | None:
        return self._kept.get(camera_id, self._clock.monotonic())

    # -- the methods -------------------------------------------------------------------------
    async def start(self, camera: Camera) -> StreamStarted:
        """Keep ``camera`` published; waits at most ``start_timeout`` for MediaMTX to have
        the stream. Not ready by then: the keepalive is withdrawn and the result says why.
        Raises ``CameraUnavailable`` for a camera without a path, ``MediaMTXUnavailable``."""
        if not wants_path(camera):
            raise CameraUnavailable(camera.id, f"status {camera.status.value}")
        clock = self._clock
        was = self.kept(camera.id)
        kept = self._kept.start(camera.id, clock.time(), clock.monotonic(),
                                self._config.stream_keepalive)
        self._stopped_at.pop(camera.id, None)
        try:
            await self._reconcile()
        except BaseException:
            if was is None:
                self._kept.stop(camera.id, clock.monotonic())
            raise
        if was is None:
            log.info("camera %s: stream kept published for %.0f s", camera.id, kept.keep_for,
                     extra={"CAMERA_ID": camera.id, "COMPONENT": "mediamtx"})
        if await self._wait_ready(camera.id, self._config.start_timeout):
            return StreamStarted(kept, True)
        reason = f"not published within {self._config.start_timeout:g} s"
        log.warning("camera %s: start_streaming failed: %s", camera.id, reason,
                    extra={"CAMERA_ID": camera.id, "COMPONENT": "mediamtx"})
        self._kept.stop(camera.id, clock.monotonic())
        await self._reconcile()
        return StreamStarted(kept, False, reason)

    async def stop(self, camera_id: str, mediamtx_available: bool) -> StreamStopped:
        """End a kept stream. Raises ``InvalidState("not_streaming")`` when it is not kept.
        Without MediaMTX the keepalive is forgotten at once and its path deleted when
        MediaMTX is back."""
        clock = self._clock
        kept = self._kept.stop(camera_id, clock.monotonic())
        if kept is None:
            raise InvalidState("not_streaming",
                               f"the stream of {camera_id} is not kept published "
                               "(start_streaming keeps it)")
        self._stopped_at[camera_id] = clock.monotonic()
        log.info("camera %s: kept stream stopped", camera_id,
                 extra={"CAMERA_ID": camera_id, "COMPONENT": "mediamtx"})
        continues = False
        if mediamtx_available:
            try:
                # counted before the keepalive goes: MediaMTX drops its reader a moment later
                continues = other_readers(await self._view(camera_id)) > 0
                await self._reconcile()
            except MediaMTXError as e:  # stopped all the same: the path goes when it can
                log.info("camera %s: keepalive path not deleted yet: %s", camera_id, e,
                         extra={"CAMERA_ID": camera_id, "COMPONENT": "mediamtx"})
        return StreamStopped(kept, clock.time(), continues)

    async def report(self, camera: Camera) -> StreamReport:
        """Raises ``MediaMTXUnavailable`` / ``MediaMTXError``."""
        state, view = await self._look(camera.id)
        kept = self.kept(camera.id)
        status = stream_status(view, kept, camera.status is CameraStatus.ERROR,
                               self._clock.monotonic(), self._config.start_timeout,
                               self._stopped_at.get(camera.id), self._config.close_after)
        state = dataclasses.replace(state, readers=other_readers(view))
        return StreamReport(camera.id, status, view.exists, state, kept)

    # -- internals ---------------------------------------------------------------------------
    async def _look(self, camera_id: str) -> tuple[StreamState, PathView]:
        """The camera path's state (an idle one when MediaMTX has no such path) and the
        view of it and its keepalive path: one ``paths/list``, which names only paths that
        exist (asking ``paths/get`` of a missing one makes MediaMTX log an error)."""
        paths = await paths_by_name(self._client)
        path = paths.get(camera_id)
        if path is None:
            return StreamState(camera_id, False, 0, 0), PathView(False)
        keep = paths.get(keepalive_name(camera_id))
        state = path.to_stream_state()
        return state, PathView(True, state.ready, state.readers,
                               keepalive_reading=keep is not None and keep.ready)

    async def _view(self, camera_id: str) -> PathView:
        return (await self._look(camera_id))[1]

    async def _wait_ready(self, camera_id: str, limit: float) -> bool:
        """Until the camera's path has the stream and the keepalive pull reads it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while True:
            view = await self._view(camera_id)
            if view.ready and view.keepalive_reading:
                return True
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(min(READY_POLL, max(0.0, deadline - loop.time())))
