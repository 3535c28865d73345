"""A recording start cancelled while ffmpeg waits for its first bytes leaves nothing behind:
ffmpeg is killed and reaped, its pipes' transports are closed and no task of the run is
pending, even when the cancellation is repeated (``waits.cancel_and_wait`` does that). CI
lost a test to the unclosed transport such a start left for the garbage collector."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from camera_service.media.recordings import RecordingJob
from camera_service.media.segmenter import SegmentRun
from camera_service.models import Clock
from camera_service.waits import cancel_and_wait

from .helpers import require_ffmpeg, until

pytestmark = pytest.mark.integration


@contextlib.asynccontextmanager
async def silent_rtsp() -> AsyncIterator[str]:
    """A port that accepts RTSP connections and never answers: ffmpeg waits there."""
    writers: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"rtsp://127.0.0.1:{port}/cam0"
    finally:
        for writer in writers:
            writer.close()
        server.close()
        await server.wait_closed()


def others() -> set[asyncio.Task[object]]:
    return {t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()}


async def test_a_segment_run_cancelled_while_starting_is_reaped(tmp_path: Path) -> None:
    require_ffmpeg()
    async with silent_rtsp() as url:
        run = SegmentRun(camera_id="camera0", url=url, directory=tmp_path, fmt="mp4",
                         segment_seconds=2, io_timeout=30.0, clock=Clock(),
                         foreign=lambda _: False)  # fmt: skip
        before = others()
        task = asyncio.create_task(run.start(30.0))
        await until(lambda: run.proc.running, what="ffmpeg running")
        await asyncio.sleep(0.3)  # it is connected and waiting for an answer
        assert await cancel_and_wait(task, 10.0)
        assert task.cancelled()
        assert run.proc.returncode is not None and run.done
        assert run.proc._proc is not None and run.proc._proc._transport.is_closing()  # type: ignore[attr-defined]
        assert others() == before, others() - before


async def test_a_recording_cancelled_while_starting_is_reaped(tmp_path: Path) -> None:
    require_ffmpeg()
    async with silent_rtsp() as url:
        job = RecordingJob(camera_id="camera0", url=url, directory=tmp_path, filename="r.mp4",
                           fmt="mp4", duration=None, segment_seconds=0, stop_timeout=5.0,
                           start_timeout=30.0, io_timeout=30.0)  # fmt: skip
        before = others()
        task = asyncio.create_task(job.start())
        await until(lambda: job.proc.running, what="ffmpeg running")
        await asyncio.sleep(0.3)
        assert await cancel_and_wait(task, 10.0)
        assert task.cancelled() and job.proc.returncode is not None
        assert job.proc._proc is not None and job.proc._proc._transport.is_closing()  # type: ignore[attr-defined]
        assert others() == before, others() - before
