"""ffmpeg lifecycle against real processes: graceful stop, escalation, stderr ring."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from camera_service.errors import FFmpegError
from camera_service.media import ffmpeg
from camera_service.media.ffprobe import ffprobe_valid

from .helpers import TIMEOUT, require_ffmpeg, until

pytestmark = pytest.mark.integration

LIVE = ["-hide_banner", "-nostats", "-re", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10"]


@pytest.fixture(autouse=True)
def _ffmpeg() -> None:
    require_ffmpeg()


def _gone(pid: int | None) -> bool:
    """The process has exited (a zombie nobody has reaped yet counts as exited)."""
    assert pid is not None
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


async def test_closing_the_lifeline_finishes_a_plain_mp4(tmp_path: Path) -> None:
    out = tmp_path / "a.mp4"
    args = [*LIVE, "-c:v", "mpeg4", "-movflags", "+faststart", "-f", "mp4", str(out)]
    proc = ffmpeg.FFmpegProcess(args, name="t")
    await proc.start()
    try:
        await until(lambda: "Output #0" in proc.stderr_tail(), what="ffmpeg running")
        await asyncio.sleep(1.0)  # some frames to finish
        rc = await proc.stop(graceful_timeout=TIMEOUT)
    finally:
        proc.kill()
    assert rc in (0, 255)  # 255: "exiting normally, received signal 2" (ffmpeg 5 and later)
    assert _gone(proc.pid)
    assert "Immediate exit" not in proc.stderr_tail()
    assert await ffprobe_valid(out)  # the trailer (moov) was written


async def test_a_child_ignoring_int_and_term_is_killed() -> None:
    script = "trap '' INT TERM; echo started >&2; exec sleep 600"
    proc = ffmpeg.FFmpegProcess(["-c", script], name="stubborn", binary="/bin/sh")
    await proc.start()
    try:
        await until(lambda: "started" in proc.stderr_tail(), what="the child's trap")
        rc = await proc.stop(graceful_timeout=0.2, step_timeout=0.5)
    finally:
        proc.kill()
    assert rc == -9
    assert _gone(proc.pid)


STDIN_CHILD = """
import signal, sys, time
signal.signal(signal.SIGINT, lambda *_: (print("got INT", file=sys.stderr), sys.exit(0)))
print("read", sys.stdin.read().strip(), file=sys.stderr, flush=True)
while True:
    time.sleep(0.05)
"""


async def test_a_script_is_the_childs_stdin_and_the_lifeline_still_stops_it() -> None:
    # the child reads its stdin to the end, says so, then waits for the lifeline's SIGINT
    # (a Python child: a shell cannot trap a signal the wrapper ignores)
    proc = ffmpeg.FFmpegProcess(["-c", STDIN_CHILD], name="t", binary=sys.executable,
                                script=b"hunter2\n")  # fmt: skip
    await proc.start()
    try:
        await until(lambda: "read hunter2" in proc.stderr_tail(), what="the script on stdin")
        assert not any("hunter2" in a for a in proc.args)
        cmdline = await asyncio.to_thread(Path(f"/proc/{proc.pid}/cmdline").read_bytes)
        assert b"hunter2" not in cmdline
        rc = await proc.stop(graceful_timeout=TIMEOUT)
    finally:
        proc.kill()
    assert rc == 0 and "got INT" in proc.stderr_tail()
    assert _gone(proc.pid)


async def test_a_script_too_long_for_a_pipe_is_refused_before_anything_runs() -> None:
    proc = ffmpeg.FFmpegProcess(["-c", "exit 0"], name="t", binary="/bin/sh", script=b"x" * 5000)
    with pytest.raises(FFmpegError, match="too long"):
        await proc.start()
    assert proc.pid is None


async def test_stderr_ring_keeps_only_the_last_lines() -> None:
    script = "i=0; while [ $i -lt 100 ]; do echo line $i >&2; i=$((i+1)); done; exit 3"
    proc = ffmpeg.FFmpegProcess(["-c", script], name="chatty", binary="/bin/sh")
    await proc.start()
    assert await proc.wait(TIMEOUT) == 3
    lines = proc.stderr_tail().splitlines()
    assert len(lines) == ffmpeg.STDERR_LINES
    assert lines[-1] == "line 99" and proc.last_error_line() == "line 99"


async def test_run_kills_on_timeout_and_says_so() -> None:
    with pytest.raises(FFmpegError, match="timed out"):
        await ffmpeg.run([*LIVE, "-f", "null", "-"], name="slow", time_limit=0.5)


async def test_missing_binary_is_an_ffmpeg_error() -> None:
    proc = ffmpeg.FFmpegProcess([], name="t", binary="/nonexistent/ffmpeg")
    with pytest.raises(FFmpegError, match="cannot run"):
        await proc.start()


CHILD = """
import asyncio, sys, threading, time
from camera_service.media.ffmpeg import FFmpegProcess

async def main():
    for _ in range(int(sys.argv[2])):  # as the daemon has: executor, child watchers
        threading.Thread(target=time.sleep, args=(600,), daemon=True).start()
    args = ["-hide_banner", "-nostats", "-loglevel", "error", "-re", "-f", "lavfi",
            "-i", "testsrc=size=160x120:rate=10", "-c:v", "mpeg4",
            "-movflags", "+faststart", "-f", "mp4", sys.argv[1]]
    proc = FFmpegProcess(args, name="orphan test")
    await proc.start()
    print(proc.pid, flush=True)
    await asyncio.sleep(600)

asyncio.run(main())
"""


@pytest.mark.parametrize("threads", [0, 8])
async def test_ffmpeg_finishes_its_file_when_the_daemon_is_killed(
    tmp_path: Path, threads: int
) -> None:
    out = tmp_path / "orphan.mp4"
    env = {**os.environ, "PYTHONPATH": str(Path(ffmpeg.__file__).parents[2])}
    daemon = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, str(out), str(threads), env=env,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert daemon.stdout is not None
        pid = int(await asyncio.wait_for(daemon.stdout.readline(), TIMEOUT))
        await until(lambda: out.exists() and out.stat().st_size > 0, what="ffmpeg writing")
        # the first bytes are the header; let a second of frames reach the muxer so the file
        # has samples to finalize (a file killed before any frame has nothing to play)
        await asyncio.sleep(1.5)
        daemon.kill()  # SIGKILL: no chance to stop its child
        await asyncio.wait_for(daemon.wait(), TIMEOUT)
        await until(lambda: _gone(pid), what="the orphaned ffmpeg to exit")
    finally:
        if daemon.returncode is None:
            daemon.kill()
            await daemon.wait()
    # the lifeline ended with the daemon: ffmpeg got one SIGINT and wrote the trailer of its
    # plain mp4, however many threads the daemon had (each used to mean one more SIGINT)
    assert await ffprobe_valid(out)
