"""Motion detection through a real MediaMTX with stream auth (suite ``mediamtx``; skipped
without a binary): the detector reads the camera's MediaMTX path with the internal reader
credential (the password on no command line) and goes on reading while a viewer reads the
same path, and the viewer is not disturbed. The stack is ``guarded_stack``'s, motion on."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from guarded_stack import Guarded, guarded_stack, read_rtsp
from mediamtx_support import T

from camera_service.credentials import READER_USER
from camera_service.media.reader_input import redact_userinfo
from support.cmdlines import CmdlineWatch

pytestmark = pytest.mark.mediamtx


@pytest.fixture
async def guarded_motion(mediamtx_bin: str, tmp_path: Path) -> AsyncIterator[Guarded]:
    async with guarded_stack(mediamtx_bin, tmp_path, "motion: {enabled: true, quiet_seconds: 2}") as g:
        yield g


async def test_detection_reads_the_mediamtx_path_and_a_viewer_is_not_disturbed(
    guarded_motion: Guarded, tmp_path: Path
) -> None:
    application = guarded_motion.app
    internal = application.api.ctx.internal
    assert internal is not None and internal.reader is not None
    camera = application.registry.get("camera0")
    worker = application.motion.workers["camera0"]
    with CmdlineWatch(internal.reader.password.encode(), under=tmp_path) as watch:
        deadline = time.monotonic() + 4 * T
        # once MediaMTX is up, the detector moves from the pattern itself to the MediaMTX path
        while not (worker.url.startswith(f"rtsp://{READER_USER}:") and worker.frames_of_url >= 10):
            assert time.monotonic() < deadline, (worker.reason, worker.frames_of_url)
            await asyncio.sleep(0.1)
    assert not watch.leaks, watch.leaks
    assert application.streams.reader_url(camera) == worker.url
    read = worker.frames
    # a second reader of the same path at the same time (this one with the password on its
    # command line; viewer tokens over RTSP are refused here, see test_stream_auth_live)
    rc, err = await read_rtsp(worker.url, tmp_path / "viewer.jpg")
    assert rc == 0, redact_userinfo(err)
    deadline = time.monotonic() + 2 * T
    while worker.frames < read + 10:  # the detector goes on reading
        assert time.monotonic() < deadline, (worker.reason, worker.frames)
        await asyncio.sleep(0.1)
    assert application.motion.state("camera0") == "detecting" and worker.url.startswith("rtsp://")
