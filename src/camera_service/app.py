"""The composition root: the only module that knows every concrete component.

Start order (each entered in one ``AsyncExitStack``, so teardown is exact and reverse):

1. HTTP client session (for MediaMTX's API)
2. event bus and camera registry (pure state)
3. camera monitor (udev, V4L2, network probes, test pattern, network cameras added at run
   time), then RTSP discovery (its schedule)
4. MediaMTX stream service (health + reconcile loops)
5. storage and media service (snapshots, recordings; finalizes recordings on stop), then
   the continuous recorder (modes, schedules, segments; finishes its segments on stop)
6. motion detection (per-camera workers, the events store), then the notifier (camera
   events → client notifications)
7. API server (listening)
8. MQTT integration, when ``mqtt.enabled`` (bus → broker; first to stop, so ``offline`` is
   published while everything still runs) → ``READY=1``

Stopping runs the stack backwards: the API stops accepting and closes clients with 1001,
recordings are finalized, loops are cancelled, the session is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import signal
import site
import time
from contextlib import AsyncExitStack
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, TypeVar

import aiohttp

from . import __version__
from .cameras import encoder_choice
from .cameras.discovery import StreamDiscovery
from .cameras.identity import IdentityStore
from .cameras.monitor import CameraMonitor
from .cameras.registry import CameraRegistry
from .cameras.stream_store import FILE_NAME as STREAMS_FILE
from .config import Config, load_config
from .config.permissions import check_permissions
from .credentials import InternalCredentials
from .errors import ConfigError
from .events import EventBus
from .logs import apply_level
from .media.camera_readers import CameraReaders
from .media.frames import FPS
from .media.keyframes import KeyFrameKeeper
from .media.motion_buffer import Capture
from .media.preroll import PrerollKeeper
from .media.recorder import Recorder
from .media.service import MediaService
from .media.storage import Storage
from .mediamtx import handoff
from .mediamtx.client import MediaMTXClient
from .mediamtx.service import StreamService
from .mediamtx.unit_state import unit_state
from .models import CameraStatus, Clock, Notification
from .motion.service import MotionService
from .rpc.camera_notifier import CameraNotifier
from .rpc.methods import RpcContext
from .systemd import Notifier
from .waits import bounded
from .web.server import ApiServer
from .web.stream_auth import reachable_from_loopback

if TYPE_CHECKING:
    from .mqtt import MqttService

log = logging.getLogger(__name__)
STATUS_REFRESH = 1.0  # seconds between STATUS= checks (sent only when the text changes)


R = TypeVar("R", bound=CameraReaders)

class Application:
    """All components of one running service. ``async with Application(config) as app``
    returns once the API listens on ``app.port``."""

    def __init__(self, config: Config, *, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or Clock()
        self.started_at = self.clock.time()
        self.bus: EventBus[Notification] = EventBus()
        self.registry = CameraRegistry(self.clock)
        self.mqtt: MqttService | None = None  # when mqtt.enabled
        self._stack = AsyncExitStack()

    async def __aenter__(self) -> Application:
        await self._stack.__aenter__()
        try:
            await self._start()
        except BaseException:
            await self._stack.aclose()
            raise
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        log.info("stopping", extra={"COMPONENT": "app"})
        budget = self.config.server.shutdown_timeout + self.config.storage.stop_timeout + 5
        try:
            await bounded(self._stack.aclose(), budget)
        except TimeoutError:
            log.error("graceful stop took longer than %.0f s; stopping anyway", budget,
                      extra={"COMPONENT": "app"})
            raise
        log.info("stopped", extra={"COMPONENT": "app"})

    async def _start(self) -> None:
        cfg, stack = self.config, self._stack
        session = await stack.enter_async_context(aiohttp.ClientSession())

        identities = IdentityStore(cfg.storage.state_dir / "cameras.json")
        self.monitor = await stack.enter_async_context(
            CameraMonitor(cfg.cameras, self.registry, identities, self.clock,
                          streams_file=cfg.storage.state_dir / STREAMS_FILE)
        )
        self.discovery = await stack.enter_async_context(
            StreamDiscovery(cfg.cameras.discovery, self.clock)
        )

        mtx_config, self.video_encoder = await encoder_choice.resolve(cfg.mediamtx)
        publish_socket, private_dir = handoff.socket_path(os.environ.get("RUNTIME_DIRECTORY"))
        internal = internal_credentials(cfg, publish_socket)
        if internal.publisher is not None:  # our runOnDemand publishers ask here, once each
            await stack.enter_async_context(handoff.PublisherHandoff(
                internal.publisher, self._owns_path, handoff.allowed_uids(cfg.mediamtx.system_user),
                self.clock, private_dir))
        elif private_dir is not None:
            os.rmdir(private_dir)
        api = internal.api
        # MediaMTX asks our API server about our own API calls: talk to it once that listens
        api_listening = asyncio.Event()
        mediamtx = MediaMTXClient(
            session, cfg.mediamtx.api_url, user=api.user if api else None,
            password=api.password if api else None, timeout=cfg.mediamtx.request_timeout,
        )
        self.streams = await stack.enter_async_context(
            StreamService(
                mediamtx, self.registry, mtx_config, cfg.server.public_host, self.clock,
                unit_state=lambda: unit_state(cfg.mediamtx.unit), credentials=internal,
                not_before=api_listening if cfg.mediamtx.stream_auth == "service" else None,
            )
        )

        self.storage = Storage(cfg.storage, self.clock)
        self.media = await stack.enter_async_context(
            MediaService(cfg.storage, self.storage, self.bus, self.streams.reader_url, self.clock)
        )
        stack.callback(self.registry.subscribe(self.media.on_camera_event))
        if cfg.storage.snapshot_keyframes:
            self.media.key_frames = await self._key_frames(cfg, stack)
        if cfg.storage.recording_preroll:
            self.media.pre_roll = await self._pre_roll(stack)
        self.recorder = await stack.enter_async_context(
            Recorder(
                cfg.cameras.recording, self.storage, self.registry, self.bus, self.streams.reader_url,
                self.clock, foreign=self.media.is_busy,
            )
        )
        self.media.continuous_active = self.recorder.is_recording

        self.motion = await stack.enter_async_context(
            MotionService(cfg.cameras.motion, cfg.storage.state_dir, self.registry, self.bus,
                          self.streams.reader_url, self.clock)
        )
        self.storage.add_keep_check(self.motion.keeps)  # recordings holding events stay longer
        self.recorder.buffer.capture_for = self._capture  # mode "motion": what its buffer keeps
        await stack.enter_async_context(CameraNotifier(self.registry, self.streams, self.bus))

        health = {"recorder": self.recorder.health, "motion": self.motion.health}
        collectors: list[object] = []
        if cfg.mqtt.enabled:  # paho-mqtt is only a Recommends of the package: imported when used
            from .mqtt import MqttCollector, MqttService, Sources

            self.mqtt = MqttService(cfg.mqtt, Sources(
                cameras=self.registry, stream_urls=self.streams.stream_urls,
                recording=self._recording, components=lambda: context.components(),
                media=self.media, files=self.storage, recorder=self.recorder, motion=self.motion,
            ), self.bus)  # fmt: skip
            health["mqtt"] = self.mqtt.health
            collectors.append(MqttCollector(self.mqtt.metrics, self.mqtt.client_connected))
        context = RpcContext(
            cameras=self.registry, streams=self.streams, media=self.media, files=self.storage,
            config=cfg, clock=self.clock, started_at=self.started_at, version=__version__,
            external=self.monitor.runtime, discovery=self.discovery,
            video_encoder=encoder_choice.describe(self.video_encoder),
            internal=internal,
            recorder=self.recorder, health=health, motion=self.motion,
        )
        self.api = await stack.enter_async_context(
            ApiServer(cfg.server, cfg.auth, context, self.bus, on_listening=api_listening.set,
                      collectors=collectors)
        )
        # stopping: no more calls of our own to MediaMTX once the server it asks about them
        # closes (the mirror of api_listening)
        stack.push_async_callback(self.streams.stop_watching)
        log.info(
            "camera service %s listening on %s:%d", __version__, cfg.server.host, self.api.port,
            extra={"COMPONENT": "app"},
        )
        if cfg.mediamtx.stream_auth == "service" and not reachable_from_loopback(cfg.server.host):
            log.warning("server.host %s is not reachable over loopback: MediaMTX cannot ask "
                        "/mediamtx/auth and refuses every stream", cfg.server.host,
                        extra={"COMPONENT": "app"})
        if self.mqtt is not None:
            await stack.enter_async_context(self.mqtt)

    async def _key_frames(self, cfg: Config, stack: AsyncExitStack) -> KeyFrameKeeper:
        """Each connected camera's last key frame, kept for snapshots (media/keyframes.py)."""
        return await self._follow_cameras(stack, KeyFrameKeeper(
            cfg.storage.state_dir / "keyframes", self.streams.reader_url,
            quality=cfg.storage.snapshot_quality, max_width=cfg.storage.snapshot_max_width,
            max_age=cfg.storage.snapshot_keyframe_max_age,
        ))  # fmt: skip

    def _capture(self, camera_id: str) -> Capture:
        spec = self.motion.spec_for(camera_id)
        return Capture(spec.enabled, spec.pre_capture, spec.post_capture, spec.confirm_frames / FPS)

    async def _pre_roll(self, stack: AsyncExitStack) -> PrerollKeeper:
        """Each connected camera's current GOP, kept for recording starts (media/preroll.py)."""
        return await self._follow_cameras(stack, PrerollKeeper(self.streams.reader_url))

    async def _follow_cameras(self, stack: AsyncExitStack, readers: R) -> R:
        """``readers`` started, told of every camera there is and of each change after."""
        await stack.enter_async_context(readers)
        stack.callback(self.registry.subscribe(readers.on_camera_event))
        for camera in self.registry.cameras():
            readers.track(camera)
        return readers

    def _recording(self, camera_id: str) -> bool:
        manual = any(r.camera_id == camera_id for r in self.media.active_recordings())
        return manual or self.recorder.is_recording(camera_id)

    def _owns_path(self, path: str) -> bool:
        """Whether ``path`` is the MediaMTX path of one of our cameras (a path is named
        after its camera: ``StreamService.stream_name``)."""
        return any(c.id == path for c in self.registry.cameras())

    @property
    def port(self) -> int:
        return int(self.api.port)

    def status_line(self) -> str:
        cameras = self.registry.cameras()
        connected = sum(c.status is CameraStatus.CONNECTED for c in cameras)
        health = self.streams.health()
        mtx = "MediaMTX connected" if health.healthy else f"MediaMTX {health.state}"
        recording = len(self.media.active_recordings())
        recording += sum(self.recorder.is_recording(c.id) for c in cameras)
        parts = [f"{len(cameras)} camera{'s' if len(cameras) != 1 else ''} ({connected} connected)", mtx]
        if recording:
            parts.append(f"{recording} recording")
        if self.mqtt is not None:
            parts.append(f"MQTT {self.mqtt.health().state}")
        return ", ".join(parts)

    async def reload(self, config: Config) -> None:
        """Apply what can change at run time; say what needs a restart."""
        old, self.config = self.config, config
        apply_level(config.logging)
        self.api.reload(config.server, config.auth)
        self.recorder.reload(config.cameras.recording)
        self.motion.reload(config.cameras.motion)
        for section in ("server", "mediamtx", "cameras", "storage", "mqtt"):
            before = getattr(old, section)
            if section == "cameras":  # cameras.recording and cameras.motion apply at once
                before = dataclasses.replace(
                    before, recording=config.cameras.recording, motion=config.cameras.motion
                )
            if before != getattr(config, section):
                log.warning(
                    "configuration section '%s' changed: restart the service to apply it", section,
                    extra={"COMPONENT": "app"},
                )
        log.info("configuration reloaded", extra={"COMPONENT": "app"})


def internal_credentials(cfg: Config, publish_socket: str) -> InternalCredentials:
    """Fresh reader credentials and one-time publisher credentials handed out at
    ``publish_socket``, for a MediaMTX that asks us (``stream_auth: service``); the
    configured MediaMTX API credential, generated when none is given."""
    m = cfg.mediamtx
    if m.stream_auth == "service":
        return InternalCredentials.generate(m.api_user, m.api_password, publish_socket,
                                            _import_root())
    return InternalCredentials.unmanaged(m.api_user, m.api_password)


def _import_root() -> str | None:
    """Where ``camera_service`` is imported from, when a plain ``python3`` would not find it
    (a checkout's ``src/``); ``None`` for an installed package."""
    root = str(Path(__file__).resolve().parents[1])
    installed = {str(Path(p).resolve()) for p in (*site.getsitepackages(), site.getusersitepackages())}
    return None if root in installed else root


async def run(config: Config, notifier: Notifier) -> int:
    """Run until SIGTERM/SIGINT; SIGHUP reloads. Returns the exit code."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    reload = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGHUP, reload.set)
    watchdog = asyncio.create_task(notifier.watchdog(), name="watchdog")
    try:
        notifier.status("starting")
        started = time.monotonic()
        async with Application(config) as app:
            notifier.ready(app.status_line())
            log.info("ready in %.2f s: %s", time.monotonic() - started, app.status_line(),
                     extra={"COMPONENT": "app"})
            while not stop.is_set():
                with contextlib.suppress(asyncio.TimeoutError):
                    await bounded(_first(stop, reload), STATUS_REFRESH)
                if reload.is_set() and not stop.is_set():
                    reload.clear()
                    await _reload(app, notifier)
                notifier.status(app.status_line())
            notifier.stopping()
            log.info("stop requested", extra={"COMPONENT": "app"})
        return 0
    finally:
        watchdog.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watchdog
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(sig)
        notifier.close()


async def _first(*events: asyncio.Event) -> None:
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()


async def _reload(app: Application, notifier: Notifier) -> None:
    notifier.reloading()
    path = app.config.source
    try:
        if path is None:
            raise ConfigError([("", "the configuration was not read from a file")])
        new = await asyncio.get_running_loop().run_in_executor(None, load_config, path)
        # the key file is re-read below: refuse it (keep the keys in force) if others can write it
        for line in await asyncio.get_running_loop().run_in_executor(None, check_permissions, new):
            log.warning("%s", line, extra={"COMPONENT": "config"})
        await app.reload(new)
    except ConfigError as e:
        log.error("new configuration is invalid, keeping the old one: %s", "; ".join(e.lines()),
                  extra={"COMPONENT": "app"})
    notifier.ready(app.status_line())
