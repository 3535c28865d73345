"""Where a camera's segment run writes and who takes the segments it closes.

A ``CameraWorker`` (``continuous``) runs one ffmpeg per camera and hands what it does to a
sink chosen by the camera's mode: ``JournalSink`` for ``continuous`` and ``schedule`` (the
segments are the camera's recordings, in the recordings folder and the journal), and ``BufferSink``
for ``motion`` (short pieces in the state folder, which ``motion_clips.MotionBuffer`` turns
into a recording around each event).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Protocol

from ..recording_modes import ModeSpec
from .motion_buffer import PIECE_SECONDS
from .recording_store import RecordingStore
from .segmenter import SegmentRun
from .timeline import Segment


class SegmentSink(Protocol):
    directory: Path
    journaled: bool  # are the run's segments the camera's recordings (in the journal)?

    def shape(self, spec: ModeSpec) -> tuple[str, int]:
        """The run's format and segment length."""
        ...

    async def started(self, run: SegmentRun) -> None: ...

    async def closed(self, run: SegmentRun, segments: list[Segment]) -> None: ...

    async def finished(self, run: SegmentRun) -> None: ...


class JournalSink:
    """Continuous and scheduled recording: segments in the recordings folder, each one in
    the journal as it closes; the run's list and anchor noted so a crash loses none."""

    journaled = True

    def __init__(self, camera_id: str, directory: Path, store: RecordingStore) -> None:
        self.camera_id = camera_id
        self.directory = directory
        self.store = store

    def shape(self, spec: ModeSpec) -> tuple[str, int]:
        return spec.format, spec.segment_seconds

    async def started(self, run: SegmentRun) -> None:
        self.store.camera(self.camera_id).open_run = {"list": run.list_path.name, **run.clock_anchor()}

    async def closed(self, run: SegmentRun, segments: list[Segment]) -> None:
        journal = self.store.camera(self.camera_id)
        journal.add_segments(segments)
        if journal.open_run is not None and journal.open_run.get("list") == run.list_path.name:
            journal.open_run.update(run.clock_anchor())  # placed by the muxer's clock now
        await self.store.save_journal()

    async def finished(self, run: SegmentRun) -> None:
        self.store.camera(self.camera_id).open_run = None
        await self.store.save_journal()
        await asyncio.get_running_loop().run_in_executor(None, run.forget_list)


class Buffer(Protocol):
    """What ``BufferSink`` tells the motion buffer (``motion_clips.MotionBuffer``)."""

    async def running(self, camera_id: str, running: bool) -> None: ...

    async def closed(self, camera_id: str, run: SegmentRun, segments: list[Segment]) -> None: ...


class BufferSink:
    """Mode ``motion``: the camera's run writes pieces of about a second into the buffer."""

    journaled = False

    def __init__(self, buffer: Buffer, camera_id: str, directory: Path) -> None:
        self.buffer = buffer
        self.camera_id = camera_id
        self.directory = directory

    def shape(self, spec: ModeSpec) -> tuple[str, int]:
        return "fmp4", PIECE_SECONDS

    async def started(self, run: SegmentRun) -> None:
        await self.buffer.running(self.camera_id, True)

    async def closed(self, run: SegmentRun, segments: list[Segment]) -> None:
        await self.buffer.closed(self.camera_id, run, segments)

    async def finished(self, run: SegmentRun) -> None:
        await self.buffer.running(self.camera_id, False)
        await asyncio.get_running_loop().run_in_executor(None, run.forget_list)
