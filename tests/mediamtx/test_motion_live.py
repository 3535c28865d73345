"""Motion detection through a real MediaMTX with stream auth (suite ``mediamtx``; skipped
without a binary): the detector reads the camera's MediaMTX path with the internal reader
credential (the password on no command line) and goes on reading while a viewer reads the
same path, and the viewer is not disturbed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from mediamtx_process import MediaMTXProcess
from mediamtx_support import T

from camera_service.app import Application
from camera_service.config import load_config
from camera_service.credentials import READER_USER
from camera_service.media.ffmpeg import redact_userinfo
from support.cmdlines import CmdlineWatch

pytestmark = pytest.mark.mediamtx

SECRET = "live-motion-secret-0123456789abcdef0123"


@pytest.fixture
async def app(mediamtx_bin: str, tmp_path: Path) -> AsyncIterator[tuple[Application, MediaMTXProcess]]:
    mediamtx = MediaMTXProcess(mediamtx_bin, tmp_path, ready_timeout=T)
    config = tmp_path / "config.yaml"
    config.write_text(
        "server: {host: 127.0.0.1, port: 0}\n"
        f"auth: {{jwt_secret: {SECRET}}}\n"
        f"mediamtx: {{api_url: '{mediamtx.api_url}', rtsp_port: {mediamtx.rtsp_port}, "
        f"hls_port: {mediamtx.hls_port}, webrtc_port: {mediamtx.webrtc_port}, "
        "health_interval: 0.5, reconcile_interval: 1, close_after: 5, start_timeout: 10}\n"
        "cameras: {udev: false, include: [], "
        "test_pattern: {enabled: true, width: 320, height: 240, fps: 10}, "
        "motion: {enabled: true, quiet_seconds: 2}}\n"
        f"storage: {{state_dir: {tmp_path / 'state'}, min_free_mb: 1}}\n"
    )
    async with Application(load_config(config)) as application:
        mediamtx.extra_config = (f"authMethod: http\nauthHTTPAddress: http://127.0.0.1:"
                                 f"{application.port}/mediamtx/auth\nauthHTTPExclude: []\n")
        await mediamtx.start()
        try:
            yield application, mediamtx
        finally:
            await mediamtx.stop()
            print(f"--- MediaMTX log (tail) ---\n{mediamtx.log_tail()}")


async def read_one_frame(url: str, out: Path) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-rtsp_transport", "tcp",
        "-i", url, "-frames:v", "1", "-y", str(out),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        _, err = await asyncio.wait_for(proc.communicate(), 3 * T)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return -9, "timed out"
    assert proc.returncode is not None
    return proc.returncode, err.decode(errors="replace")


async def test_detection_reads_the_mediamtx_path_and_a_viewer_is_not_disturbed(
    app: tuple[Application, MediaMTXProcess], tmp_path: Path
) -> None:
    application, _ = app
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
    rc, err = await read_one_frame(worker.url, tmp_path / "viewer.jpg")
    assert rc == 0, redact_userinfo(err)
    deadline = time.monotonic() + 2 * T
    while worker.frames < read + 10:  # the detector goes on reading
        assert time.monotonic() < deadline, (worker.reason, worker.frames)
        await asyncio.sleep(0.1)
    assert application.motion.state("camera0") == "detecting" and worker.url.startswith("rtsp://")
