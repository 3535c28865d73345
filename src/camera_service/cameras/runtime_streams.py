"""The runtime source of network cameras: streams added with ``add_external_stream``
(``ports.ExternalStreams``), composed by the camera monitor beside the configured ones.

Each stream is a ``NETWORK`` camera in the registry with a stable ``cameraN`` (its identity
is the URL without credentials, as for a configured camera given without ``id``, so moving
it into the configuration later keeps its id), watched by ``watch_network_camera`` like
the configured ones, and so published through MediaMTX and read directly while MediaMTX is
away. The list is saved (``stream_store``) before a change takes effect: when it cannot be
saved the change is refused and nothing differs from what a restart would bring back.
Only hosts whose every address lies in ``cameras.external.allow`` are added or probed
(``AddressGuard``, checked again before each probe, also for streams restored from the
file), and a failed probe shows only "unreachable". Removing a stream stops its watch and
removes its camera from the registry (a REMOVED event: clients see it disconnected; a
recording of it ends). URLs are shown and logged
without credentials only.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from ..config.model import CamerasConfig
from ..errors import ExternalStreamNotFound, InvalidParams, InvalidState
from ..models import Camera, CameraKind, CameraStatus, Clock
from ..models_streams import ExternalStream
from . import policy
from .address_check import AddressGuard
from .identity import IdentityStore, network_identity
from .network_watch import watch_network_camera
from .registry import CameraRegistry
from .stream_store import StreamFile, check_stream_type, check_stream_url
from .urls import redact_url

log = logging.getLogger(__name__)
LOG = {"COMPONENT": "camera_monitor"}
_STOP_TIMEOUT = 5.0
MAX_STREAMS = 64  # each is probed every network_probe_interval by its own ffprobe

Upsert = Callable[[Camera], object]


class RuntimeStreams:
    def __init__(
        self,
        config: CamerasConfig,
        registry: CameraRegistry,
        identities: IdentityStore,
        upsert: Upsert,
        file: StreamFile,
        clock: Clock | None = None,
    ) -> None:
        self.config = config
        self.registry = registry
        self.identities = identities
        self.file = file
        self.clock = clock or Clock()
        self._upsert = upsert
        self._streams: dict[str, ExternalStream] = {}  # safe URL -> stream
        self._tasks: dict[str, asyncio.Task[None]] = {}  # camera id -> its watch
        self._last_seen: dict[str, float] = {}  # camera id -> time it last answered
        self._lock = asyncio.Lock()  # one add/remove at a time
        self.guard = AddressGuard(config.external.allow)

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        saved = await self.file.load()
        for stream in saved:
            if (configured := self._configured(stream.safe_url)) is not None:
                log.warning("external stream %s is now configured (cameras.network, %s): the "
                            "saved copy is dropped", stream.safe_url, configured, extra=LOG)
                continue
            await self._start_camera(stream)
        if self._streams:
            log.info("%d external stream(s) restored from %s", len(self._streams),
                     self.file.path, extra=LOG)

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=_STOP_TIMEOUT)
        self._tasks.clear()

    # -- ports.ExternalStreams -------------------------------------------------------------
    def external_streams(self) -> list[ExternalStream]:
        return [dataclasses.replace(s, last_seen=self._last_seen.get(s.camera_id))
                for s in self._streams.values()]

    async def add_stream(self, url: str, name: str | None, stream_type: str | None) -> ExternalStream:
        """Raises ``InvalidParams`` for a bad or duplicate URL or a host outside
        ``cameras.external.allow``, ``InvalidState`` beyond ``MAX_STREAMS``, ``StorageError``
        when the list cannot be saved (nothing is added then)."""
        check_stream_url(url)
        kind = check_stream_type(stream_type)
        safe = redact_url(url)
        if (refused := await self.guard.refusal(url)) is not None:
            log.warning("external stream %s refused: %s", safe, refused, extra=LOG)
            raise InvalidParams("stream_url", f"'stream_url' refused: {refused}")
        async with self._lock:
            self._refuse_duplicate(safe)
            identity = network_identity(safe)
            camera_id = await self.identities.assign(identity)
            host = urlsplit(safe).hostname or ""
            shown = (name or "").strip() or policy.network_name(
                camera_id, self.config.names, None, host)
            stream = ExternalStream(url=url, safe_url=safe, name=shown, type=kind,
                                    added_at=self.clock.time(), camera_id=camera_id)
            await self.file.save([*self._streams.values(), stream])
            await self._start_camera(stream)
        log.info("external stream %s added as %s (%s)", safe, camera_id, shown,
                 extra={**LOG, "CAMERA_ID": camera_id})
        return stream

    async def remove_stream(self, url: str) -> ExternalStream:
        """Raises ``ExternalStreamNotFound``; ``StorageError`` when the list cannot be saved
        (nothing is removed then)."""
        safe = redact_url(url)
        async with self._lock:
            stream = self._streams.get(safe)
            if stream is None:
                raise ExternalStreamNotFound(safe)
            await self.file.save([s for s in self._streams.values() if s.safe_url != safe])
            del self._streams[safe]
            task = self._tasks.pop(stream.camera_id, None)
            if task is not None:
                task.cancel()
                await asyncio.wait([task], timeout=_STOP_TIMEOUT)
            self._last_seen.pop(stream.camera_id, None)
            self.registry.remove(stream.camera_id)
        log.info("external stream %s (%s) removed", safe, stream.camera_id,
                 extra={**LOG, "CAMERA_ID": stream.camera_id})
        return stream

    # -- internals -------------------------------------------------------------------------
    def _refuse_duplicate(self, safe: str) -> None:
        known = self._streams.get(safe)
        if known is not None:
            raise InvalidParams("stream_url", f"'stream_url' is already added, as {known.camera_id}")
        if (configured := self._configured(safe)) is not None:
            raise InvalidParams("stream_url", f"'stream_url' is already a configured camera, {configured}")
        if len(self._streams) >= MAX_STREAMS:
            raise InvalidState("limit_reached", f"at most {MAX_STREAMS} external streams; remove "
                               "one first")

    def _configured(self, safe: str) -> str | None:
        """The id of a camera (not one of ours) already reading ``safe``."""
        ours = {s.camera_id for s in self._streams.values()}
        for camera in self.registry.cameras():
            if camera.id not in ours and camera.source_url and redact_url(camera.source_url) == safe:
                return camera.id
        return None

    async def _start_camera(self, stream: ExternalStream) -> None:
        if not stream.camera_id:
            camera_id = await self.identities.assign(network_identity(stream.safe_url))
            stream = dataclasses.replace(stream, camera_id=camera_id)
        self._streams[stream.safe_url] = stream
        camera_id = stream.camera_id
        self._upsert(self.registry.find(camera_id) or Camera(
            id=camera_id,
            kind=CameraKind.NETWORK,
            name=stream.name,
            status=CameraStatus.DISCONNECTED,
            reason="not probed yet",
            identity=network_identity(stream.safe_url),
            source_url=stream.url,
        ))
        self._tasks[camera_id] = asyncio.get_running_loop().create_task(
            watch_network_camera(camera_id, stream.url, self.config, self.registry, self._seen,
                                 self.guard)
        )

    def _seen(self, camera: Camera) -> object:
        if camera.connected:
            self._last_seen[camera.id] = self.clock.time()
        return self._upsert(camera)
