"""The MQTT integration as one component fed by the event bus.

Every change the service already tells its API clients (``camera_status_update``,
``recording_status_update``, ``snapshot_taken``, and issue 21's ``motion_event`` once it
exists) reaches the bus; this component turns each into messages (``messages``,
``discovery``) as it happens and hands them to the client. No camera or file is polled.

Retained messages are also kept here (``_retained``, one payload per topic), so a
(re)connection republishes the whole state — availability first, then discovery and every
camera's state — and a broker that lost its memory, or that was down while things
changed, is right again. While the broker is away, publishing is a no-op counted in
``metrics.dropped``; the API and the cameras never wait for it.

The recording mode is the one state that can change without a notification (a mode set
while nothing starts or stops, e.g. ``schedule`` → ``off`` outside the window): the recorder
tells its mode listeners (``ports.Recorder.subscribe_modes``), and the retained
``recording_mode`` follows at once, whoever changed it (the API, an MQTT command, a reload).

Commands go to ``runner.CommandRunner`` after the allow-list check of ``commands.parse``.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from .. import __version__
from ..config.model import MqttConfig
from ..errors import CameraNotFound, CameraServiceError
from ..events import EventBus
from ..lifecycle import Component
from ..models import ComponentHealth, Notification
from ..recording_modes import ModeSpec
from ..rpc.present import camera_object
from ..rpc.status import overall
from . import discovery, messages
from .client import MqttClient
from .messages import Message
from .runner import CommandRunner
from .sources import MqttMetrics, Sources
from .topics import Topics

log = logging.getLogger(__name__)
EXTRA = {"COMPONENT": "mqtt"}
QUEUE_SIZE = 1000  # bus events waiting to be turned into messages
HEALTH_CHECK = 1.0  # s between looks at the health (published only when it changes)
CAMERA_LEVEL = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class MqttService(Component):
    def __init__(self, config: MqttConfig, sources: Sources, bus: EventBus[Notification]) -> None:
        self.config = config
        self.src = sources
        self.topics = Topics(config.base_topic)
        self.metrics = MqttMetrics()
        self._bus = bus
        self._queue: asyncio.Queue[Notification] = asyncio.Queue(QUEUE_SIZE)
        self._retained: dict[str, bytes] = {}
        self._cleared: set[str] = set()  # emptied topics, emptied again on each connection
        self.commands = CommandRunner(sources, self.topics, config.commands, self.metrics, self._send)
        self._worker: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._unsubscribe_modes: Callable[[], None] | None = None
        self._state, self._detail = "connecting", f"{config.host}:{config.port}"
        self.client = MqttClient(
            config, messages.availability(self.topics, False), self._connected,
            self._disconnected, self._message,
        )

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        self._unsubscribe = self._bus.subscribe(self._on_notification)
        if self.src.recorder is not None:
            self._unsubscribe_modes = self.src.recorder.subscribe_modes(self._mode_changed)
        for camera in self.src.cameras.cameras():
            self._camera_state(camera_object(camera, self.src.stream_urls(camera.id)))
        self._worker = asyncio.create_task(self._work(), name="mqtt")
        await self.client.start()
        log.info("MQTT: connecting to %s:%d as %s, topics under %s/", self.config.host,
                 self.config.port, self.config.client_id, self.config.base_topic, extra=EXTRA)

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._unsubscribe_modes is not None:
            self._unsubscribe_modes()
            self._unsubscribe_modes = None
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
        await self.commands.close()
        await self.client.stop([messages.availability(self.topics, False)])
        self._state = "stopped"

    def client_connected(self) -> bool:
        return self.client.connected

    def health(self) -> ComponentHealth:
        return ComponentHealth("mqtt", self._state == "connected", self._state, self._detail)

    # -- the client's callbacks (on the loop) ------------------------------------------

    def _connected(self) -> None:
        self.metrics.connects += 1
        self._state, self._detail = "connected", f"{self.config.host}:{self.config.port}"
        log.info("MQTT connected to %s", self._detail, extra=EXTRA)
        self._send(messages.availability(self.topics, True), force=True)
        self.client.subscribe(self.topics.commands)
        self.client.subscribe(self.topics.camera("+", "state"))  # retained: cameras of earlier runs
        for topic in list(self._cleared):
            self._send(Message(topic, b"", True), force=True)
        for topic, payload in list(self._retained.items()):
            if topic != self.topics.availability:
                self._send(Message(topic, payload, True), force=True)
        self._publish_health()

    def _disconnected(self, reason: str) -> None:
        if self._state == "connected":
            self.metrics.disconnects += 1
            log.warning("MQTT connection to %s:%d lost (%s); reconnecting with back-off",
                        self.config.host, self.config.port, reason, extra=EXTRA)
        elif self._detail != reason:
            log.warning("MQTT broker %s:%d: %s", self.config.host, self.config.port, reason, extra=EXTRA)
        self._state, self._detail = "disconnected", reason

    def _message(self, topic: str, payload: bytes, retained: bool) -> None:
        if retained and payload and topic.endswith("/state"):
            self._forget_if_gone(topic)
            return
        parsed = self.topics.parse_command(topic)
        if parsed is None or not CAMERA_LEVEL.match(parsed[0]) or not CAMERA_LEVEL.match(parsed[1]):
            return
        self.commands.received(parsed[0], parsed[1], payload)

    def _forget_if_gone(self, topic: str) -> None:
        """A camera of an earlier run that is not here now (removed while we were away)
        leaves Home Assistant and the broker too."""
        cid = topic[len(self.topics.base) + 1:].split("/")[0]
        if CAMERA_LEVEL.match(cid) and topic == self.topics.camera(cid, "state") and not self._present(cid):
            self._camera_gone(cid)

    # -- publishing ---------------------------------------------------------------------

    def _send(self, m: Message, force: bool = False) -> None:
        """Publishes ``m``; a retained payload the broker already has from us is not sent
        again unless ``force`` (a new connection)."""
        if m.retain and m.payload:
            if not force and self._retained.get(m.topic) == m.payload:
                return
            self._retained[m.topic] = m.payload
            self._cleared.discard(m.topic)
        if self.client.publish(m):
            self.metrics.published += 1
        else:
            self.metrics.dropped += 1

    def _publish_health(self) -> None:
        comps = self.src.components()
        body = {n: {"healthy": h.healthy, "state": h.state, "detail": h.detail} for n, h in comps.items()}
        self._send(messages.health(self.topics, overall(comps), body))

    def _camera_state(self, camera: Mapping[str, Any]) -> None:
        cid = str(camera["device"])
        if self.config.discovery:  # the device first, then the state its entities show
            for m in discovery.device_configs(self.config.discovery_prefix, self.topics, camera,
                                              __version__, self.config.qos):  # fmt: skip
                self._send(m)
        for m in messages.camera_state(self.topics, camera):
            self._send(m)
        self._send(messages.recording_state(self.topics, cid, self.src.recording(cid)))
        if self.src.recorder is not None:
            self._mode_changed(cid, self.src.recorder.spec_for(cid))
        if self.topics.camera(cid, "motion") not in self._retained:
            self._send(messages.motion_state(self.topics, cid, False))

    def _mode_changed(self, cid: str, spec: ModeSpec) -> None:
        """The recorder's mode listener (and a camera's state): a camera that is gone keeps
        no retained state."""
        if self._present(cid):
            self._send(messages.recording_mode(self.topics, cid, spec.mode))

    def _camera_gone(self, cid: str) -> None:
        out = messages.cleared(self.topics, cid)
        if self.config.discovery:
            out = discovery.removal(self.config.discovery_prefix, self.topics, cid) + out
        for m in out:
            self._send(m)
            self._retained.pop(m.topic, None)
            self._cleared.add(m.topic)
        log.info("MQTT: %s removed (discovery and state cleared)", cid, extra=EXTRA)

    # -- bus → messages -------------------------------------------------------------------

    def _on_notification(self, n: Notification) -> None:
        try:
            self._queue.put_nowait(n)
        except asyncio.QueueFull:
            self.metrics.queue_overflows += 1

    async def _work(self) -> None:
        while True:
            try:
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel that
                # comes as get() completes (a busy queue), and the task would never stop
                async with asyncio.timeout(HEALTH_CHECK):
                    n = await self._queue.get()
            except TimeoutError:
                self._publish_health()
                continue
            try:
                await self._handle(n)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("MQTT: could not publish %s", n.topic, extra=EXTRA)
            self._publish_health()

    async def _handle(self, n: Notification) -> None:
        cid = n.device or str(n.params.get("device") or "")
        if not cid:
            return
        present = self._present(cid)
        if n.method == "camera_status_update":
            if present:
                self._camera_state(n.params)
            else:
                self._camera_gone(cid)
            return
        # a camera that is gone keeps no retained state: only the event goes out
        kind = {"recording_status_update": "recording", "snapshot_taken": "snapshot"}.get(n.method)
        moving = messages.motion_change(n.topic)
        if kind is None and moving is not None:
            kind = "motion"
        if kind is None:
            return
        if present and kind == "recording":
            on = n.topic == "recording.start" or self.src.recording(cid)
            self._send(messages.recording_state(self.topics, cid, on))
            if self.src.recorder is None and isinstance(n.params.get("mode"), str):
                # with a recorder its listener says each change as it is made: a notification
                # still queued may carry the mode before the latest one
                self._send(messages.recording_mode(self.topics, cid, str(n.params["mode"])))
        elif present and kind == "snapshot":
            jpeg = await self._snapshot_bytes(str(n.params.get("filename") or ""))
            if jpeg is not None:
                self._send(messages.snapshot_image(self.topics, cid, jpeg))
        elif present and moving is not None:
            self._send(messages.motion_state(self.topics, cid, moving))
        self._send(messages.event(self.topics, cid, kind, n.params))

    def _present(self, cid: str) -> bool:
        try:
            self.src.cameras.get(cid)
        except CameraNotFound:
            return False
        return True

    async def _snapshot_bytes(self, filename: str) -> bytes | None:
        if self.src.files is None or not filename:
            return None
        try:
            path = await self.src.files.resolve("snapshots", filename)
            size = (await asyncio.to_thread(path.stat)).st_size
            if size > self.config.snapshot_max_bytes:
                log.warning("MQTT: snapshot %s is %d bytes, over mqtt.snapshot_max_bytes; not sent",
                            filename, size, extra=EXTRA)
                return None
            return await asyncio.to_thread(path.read_bytes)
        except (CameraServiceError, OSError) as e:
            log.warning("MQTT: cannot read snapshot %s: %s", filename, e, extra=EXTRA)
            return None
