"""Runs the commands received over MQTT (at most ``MAX_COMMANDS`` at once, each bounded)
through the same ``ports`` the API uses, and publishes each result."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from ..errors import CameraServiceError, InvalidParams
from . import commands, messages
from .messages import Message
from .sources import MqttMetrics, Sources
from .topics import Topics

log = logging.getLogger(__name__)
EXTRA = {"COMPONENT": "mqtt"}
MAX_COMMANDS = 4  # commands running at once; more are refused as busy
COMMAND_TIMEOUT = 60.0
REFUSED_LOG_INTERVAL = 60.0


class CommandRunner:
    def __init__(self, src: Sources, topics: Topics, allowed: tuple[str, ...], metrics: MqttMetrics,
                 send: Callable[[Message], None]) -> None:  # fmt: skip
        self.src = src
        self.topics = topics
        self.allowed = allowed
        self.metrics = metrics
        self._send = send
        self._tasks: set[asyncio.Task[None]] = set()
        self._warned_at = -REFUSED_LOG_INTERVAL

    def received(self, cid: str, name: str, payload: bytes) -> None:
        self.metrics.commands += 1
        try:
            command = commands.parse(cid, name, payload, self.allowed)
            if len(self._tasks) >= MAX_COMMANDS:
                raise commands.Refused("busy: too many commands running")
        except commands.Refused as e:
            self.metrics.commands_refused += 1
            self._log_refused(cid, name, e.reason)
            self._result(cid, name, commands.result(name, False, error="refused", message=e.reason))
            return
        task = asyncio.create_task(self._run(command), name=f"mqtt {name} {cid}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _log_refused(self, cid: str, name: str, reason: str) -> None:
        """At most one warning a minute: anyone who may publish to the broker could flood
        the journal otherwise (each refusal is counted in /metrics all the same)."""
        now = time.monotonic()
        if now - self._warned_at < REFUSED_LOG_INTERVAL:
            log.debug("MQTT command %s for %s refused: %s", name, cid, reason, extra=EXTRA)
            return
        self._warned_at = now
        log.warning("MQTT command %s for %s refused: %s (more refusals this minute: debug level)",
                    name, cid, reason, extra=EXTRA)

    async def close(self) -> None:
        tasks = list(self._tasks)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _result(self, cid: str, name: str, body: dict[str, Any]) -> None:
        self._send(Message(self.topics.result(cid, name), messages.dumps(body), False))

    async def _run(self, c: commands.Command) -> None:
        try:
            async with asyncio.timeout(COMMAND_TIMEOUT):  # see service._work: not wait_for
                body = await self._execute(c)
        except asyncio.CancelledError:
            raise
        except TimeoutError:
            why = f"no answer in {COMMAND_TIMEOUT:g} s"
            body = commands.result(c.name, False, error="timeout", message=why)
        except CameraServiceError as e:
            body = commands.result(c.name, False, error=type(e).__name__, message=str(e))
        if not body["ok"]:
            self.metrics.commands_failed += 1
        log.info("MQTT command %s%s for %s: %s", c.name, f" {c.value}" if c.value else "", c.camera_id,
                 "done" if body["ok"] else body.get("message"), extra=EXTRA)
        self._result(c.camera_id, c.name, body)

    async def _execute(self, c: commands.Command) -> dict[str, Any]:
        camera = self.src.cameras.get(c.camera_id)
        media = self.src.media
        if c.name == "snapshot" and media is not None:
            snap = await media.take_snapshot(camera, None)
            return commands.result(c.name, True, filename=snap.filename, file_size=snap.file_size)
        if c.name == "recording" and media is not None:
            rec = await (media.start_recording(camera, None, None) if c.value == "ON"
                         else media.stop_recording(camera.id))  # fmt: skip
            return commands.result(c.name, True, value=c.value, filename=rec.filename)
        if c.name == "recording_mode" and self.src.recorder is not None:
            spec = await self.src.recorder.set_mode(camera.id, {"mode": c.value})  # its listener publishes it
            return commands.result(c.name, True, value=spec.mode)
        if c.name == "motion" and self.src.motion is not None:
            await self.src.motion.set_motion_enabled(camera.id, c.value == "ON")
            return commands.result(c.name, True, value=c.value)
        raise InvalidParams(c.name, f"{c.name} is not available in this service")
