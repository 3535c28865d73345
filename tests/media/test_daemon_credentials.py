"""The real daemon recording continuously a camera that asks for a password (configured
with ``user:password@`` in its URL): the password is on no command line in ``/proc`` while
it probes and records, and SIGKILLed mid-segment it still leaves that segment playable
(the lifeline and the script pipe live side by side)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.cmdlines import CmdlineWatch
from support.rtsp_server import RtspTestServer

from .helpers import TIMEOUT, playable, require_ffmpeg
from .test_daemon_continuous import Daemon
from .test_daemon_recordings import ffmpeg_writing_under

pytestmark = pytest.mark.ivv

SECRET = b"s3cret"  # in support.fixtures.CAMERA_CREDENTIALS' password


@pytest.fixture
def daemon(rtsp_auth_server_module: RtspTestServer, tmp_path: Path) -> Iterator[Daemon]:
    require_ffmpeg()
    d = Daemon(tmp_path, rtsp_auth_server_module.url)
    try:
        yield d
    finally:
        d.close()
        for pid in ffmpeg_writing_under(tmp_path):
            os.kill(pid, signal.SIGKILL)


def test_sigkill_mid_segment_of_a_camera_with_a_password_leaves_it_playable_and_no_password_in_proc(
    daemon: Daemon, tmp_path: Path
) -> None:
    with CmdlineWatch(SECRET, under=tmp_path) as watch:
        daemon.start()
        daemon.wait("two segments", lambda: len(daemon.segments()) >= 2)
        killed = daemon.wait(
            "the open segment to hold a GOP",
            lambda: (s := daemon.segments()[-1]) and s.exists() and s.stat().st_size >= 150_000 and s,
        )
        assert daemon.proc is not None
        daemon.proc.kill()
        daemon.proc.wait(TIMEOUT)
        deadline = time.monotonic() + TIMEOUT
        while ffmpeg_writing_under(daemon.state):  # its lifeline ended: it finishes, then exits
            assert time.monotonic() < deadline, "ffmpeg kept recording after the daemon died"
            time.sleep(0.1)
    assert playable(killed, min_frames=10)
    assert watch.ffmpeg, "the recorder's ffmpeg was never seen"
    assert all(b" -f concat " in cmd and b"rtsp://" not in cmd for cmd in watch.ffmpeg.values())
    assert not watch.leaks, watch.leaks
