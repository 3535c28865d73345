"""Where a camera's segment run writes and who takes the segments it closes.

A ``CameraWorker`` (``continuous``) runs one ffmpeg per camera and hands what it does to a
sink chosen by the camera's mode: ``JournalSink`` for ``continuous`` and ``schedule`` (the
segments are the camera's recordings, in the recordings folder and the journal), and the
motion buffer's sink for ``motion`` (``motion_clips.BufferSink``: short pieces in the state
folder, turned into a recording around each event).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Protocol

from ..recording_modes import ModeSpec
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
        self.store.camera(self.camera_id).open_run = {"list": run.list_path.name, "anchor": run.anchor}

    async def closed(self, run: SegmentRun, segments: list[Segment]) -> None:
        self.store.camera(self.camera_id).add_segments(segments)
        await self.store.save_journal()

    async def finished(self, run: SegmentRun) -> None:
        self.store.camera(self.camera_id).open_run = None
        await self.store.save_journal()
        await asyncio.get_running_loop().run_in_executor(None, run.forget_list)
