"""One long-running reader per connected camera, kept while the camera is: the supervision
the key-frame keeper (``keyframes.py``) and the pre-roll keeper (``preroll.py``) share.

``track`` starts a camera's task (``_keep``, the subclass's) once and ends it when the camera
is no longer connected; ``on_camera_event`` is the registry listener; ``stop`` cancels every
task and waits for each to stop its ffmpeg (the tasks' own ``finally``)."""

from __future__ import annotations

import asyncio

from ..lifecycle import Component
from ..models import Camera, CameraEvent, CameraEventKind
from . import ffmpeg


class CameraReaders(Component):
    task_name = "reader"  # the tasks' names: "<task_name> <camera id>"

    def __init__(self) -> None:
        self._cameras: dict[str, Camera] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._procs: dict[str, ffmpeg.FFmpegProcess] = {}
        self._ending: set[asyncio.Task[None]] = set()  # cancelled, still stopping ffmpeg
        self._running = False

    async def start(self) -> None:
        self._running = True

    async def stop(self) -> None:
        self._running = False
        for camera_id in list(self._tasks):
            self._end(camera_id)
        await asyncio.gather(*self._ending, return_exceptions=True)

    def track(self, camera: Camera) -> None:
        """Read ``camera`` while it is connected; stop when it is not."""
        if not self._running:
            return
        if not camera.connected:
            self._end(camera.id)
            return
        self._cameras[camera.id] = camera
        task = self._tasks.get(camera.id)
        if task is None or task.done():
            self._tasks[camera.id] = asyncio.create_task(
                self._keep(camera.id), name=f"{self.task_name} {camera.id}"
            )

    def on_camera_event(self, event: CameraEvent) -> None:
        """Registry listener (synchronous)."""
        if event.kind is CameraEventKind.REMOVED:
            self._end(event.camera.id)
        else:
            self.track(event.camera)

    def pids(self) -> dict[str, int]:
        """The running readers' wrapper pids (for measurements)."""
        return {cid: p.pid for cid, p in self._procs.items() if p.running and p.pid}

    def _end(self, camera_id: str) -> None:
        self._cameras.pop(camera_id, None)
        task = self._tasks.pop(camera_id, None)
        if task is not None and not task.done():
            task.cancel()  # its finally stops ffmpeg
            self._ending.add(task)
            task.add_done_callback(self._ending.discard)

    async def _keep(self, camera_id: str) -> None:
        raise NotImplementedError
