"""ffmpeg and ffprobe as asyncio child processes.

``FFmpegProcess`` owns one ffmpeg run: it keeps the last lines of stderr in a ring buffer
(shown only when the run fails) and stops in a fixed, bounded sequence::

    lifeline closed -> wait(graceful)    ffmpeg gets one SIGINT, finishes the file (trailer)
    SIGINT          -> wait(step)        to the process group: ffmpeg exits at once
    SIGTERM         -> wait(step)
    SIGKILL         -> wait(step)

The lifeline: ffmpeg runs under a small ``sh`` wrapper whose stdin is a pipe from the daemon.
When that pipe ends, because the daemon closes it (a stop) or dies (SIGKILL, OOM: the
kernel closes it, whatever the daemon was doing), the wrapper sends ffmpeg exactly one
SIGINT and exits with ffmpeg's status once ffmpeg has finished its file. (The kernel's
parent-death signal, used before, comes once for every daemon thread that exits after the
one that started ffmpeg; ffmpeg takes a second SIGINT as "exit now, skip the trailer", which
left about every other plain mp4 without its index.)

A ``script`` (``reader_input.input_script``: the camera URL with its password) is written
into a second pipe before ffmpeg starts; the wrapper inherits its read end (``pass_fds``, at
fd 10 or above, out of the shell's way) and makes it ffmpeg's stdin, so the password is on
no command line and in no file. Stdin is free for it: ffmpeg reads no keys (``-nostdin``),
and the lifeline is the wrapper's own stdin.

``run`` is one short ffmpeg run to completion (``ffprobe`` looks at finished files). Every
foreign error (OSError, timeouts) leaves this module as ``FFmpegError``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import shutil
import signal
from collections.abc import Mapping, Sequence

from ..errors import FFmpegError
from ..waits import bounded, settle
from .reader_input import input_args as input_args  # re-exported: the media modules use both
from .reader_input import input_script as input_script
from .reader_input import redact_userinfo
from .script_pipe import script_pipe

log = logging.getLogger(__name__)

FFMPEG = os.environ.get("CAMERA_SERVICE_FFMPEG", "ffmpeg")
# $1 is what ffmpeg reads on its stdin: /dev/null, or /dev/fd/N, an inherited pipe holding
# an input script (reader_input: a URL with credentials); "$@" after it is the ffmpeg
# command line. INT and TERM sent to the process group are for ffmpeg (which installs its
# own handlers); the wrapper and its reader ignore them. fd 3 is the lifeline, fd 4 the
# stdin for ffmpeg (a background job's stdin is /dev/null unless redirected explicitly).
LIFELINE = r"""
trap '' INT TERM
exec 3<&0 4<"$1" </dev/null
shift
"$@" 3<&- <&4 4<&- &
ffmpeg=$!
exec 4<&-
{ while read -r _ <&3; do :; done; kill -INT "$ffmpeg"; } 2>/dev/null &
reader=$!
exec 3<&-
wait "$ffmpeg"
status=$?
kill -KILL "$reader" 2>/dev/null
exit "$status"
"""
_SIGNALLED = range(129, 129 + 64)  # sh's status for a child killed by signal N: 128 + N
STDERR_LINES = 40
STEP_TIMEOUT = 3.0  # each escalation step after the graceful one


class FFmpegProcess:
    """One ffmpeg (or ffprobe) child. ``name`` labels log lines (e.g. ``camera0 recording``)."""

    def __init__(
        self,
        args: Sequence[str],
        *,
        name: str,
        binary: str | None = None,
        camera_id: str = "",
        env: Mapping[str, str] | None = None,
        script: bytes | None = None,
        stdout: bool = False,
    ) -> None:
        self.args = [binary or FFMPEG, *args]
        self.pipe_stdout = stdout  # ffmpeg's output on a pipe (``output``), e.g. raw frames
        self.script = script
        self.env = {**os.environ, **env} if env else None
        self.name = name
        self.camera_id = camera_id
        self._proc: asyncio.subprocess.Process | None = None
        self._stderr: collections.deque[str] = collections.deque(maxlen=STDERR_LINES)
        self._reader: asyncio.Task[None] | None = None
        self.stop_requested = False

    # --- state -------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        """The wrapper's pid, which is also the process group of ffmpeg and the wrapper."""
        return self._proc.pid if self._proc else None

    @property
    def returncode(self) -> int | None:
        """ffmpeg's exit code; negative: killed by that signal."""
        rc = self._proc.returncode if self._proc else None
        if rc is not None and rc in _SIGNALLED:
            return -(rc - 128)
        return rc

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.returncode is None

    @property
    def output(self) -> asyncio.StreamReader:
        """ffmpeg's stdout (``stdout=True``), read in the loop."""
        assert self._proc is not None and self._proc.stdout is not None, "no stdout pipe"
        return self._proc.stdout

    def stderr_tail(self, lines: int = STDERR_LINES) -> str:
        return "\n".join(list(self._stderr)[-lines:])

    def last_error_line(self) -> str:
        return self._stderr[-1] if self._stderr else ""

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self) -> None:
        if shutil.which(self.args[0]) is None:
            raise FFmpegError(f"cannot run {self.args[0]}: not found")
        script_fd = script_pipe(self.script) if self.script is not None else None
        try:
            self._proc = await asyncio.create_subprocess_exec(
                "/bin/sh", "-c", LIFELINE, "ffmpeg-lifeline",
                "/dev/null" if script_fd is None else f"/dev/fd/{script_fd}", *self.args,
                pass_fds=() if script_fd is None else (script_fd,),
                stdin=asyncio.subprocess.PIPE,  # the lifeline: never written, closed to stop
                stdout=asyncio.subprocess.PIPE if self.pipe_stdout else asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                # its own process group: a terminal's Ctrl-C is for us, not for ffmpeg, and the
                # escalating signals reach ffmpeg through the group
                start_new_session=True,
                # keep Python's SIG_IGN for SIGPIPE: when the daemon dies, ffmpeg's last log
                # line hits a closed stderr pipe, and it must get EPIPE (and go on to write
                # its trailer) rather than die of SIGPIPE with the file unfinished
                restore_signals=False,
                env=self.env,
            )  # fmt: skip
        except OSError as e:
            raise FFmpegError(f"cannot run {self.args[0]}: {e}") from e
        finally:
            if script_fd is not None:
                os.close(script_fd)  # the child has its own copy
        self._reader = asyncio.create_task(self._read_stderr(), name=f"stderr {self.name}")
        log.debug("%s: started pid %s", self.name, self._proc.pid)

    async def _read_stderr(self) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        pending = b""
        while chunk := await self._proc.stderr.read(4096):
            pending += chunk
            *lines, pending = pending.replace(b"\r", b"\n").split(b"\n")
            for line in lines:
                if line.strip():
                    self._stderr.append(redact_userinfo(line.decode(errors="replace").rstrip()))
            pending = pending[-4096:]
        if pending.strip():
            self._stderr.append(redact_userinfo(pending.decode(errors="replace").rstrip()))

    async def wait(self, within: float | None = None) -> int:
        """The exit code; raises ``TimeoutError`` when still running after ``within`` seconds."""
        assert self._proc is not None, "not started"
        await bounded(self._proc.wait(), within)
        if self._proc.stdin is not None:
            # normally ffmpeg is gone too; if only the wrapper was killed, the lifeline's
            # end tells an ffmpeg left behind to finish its file and exit
            self._proc.stdin.close()
        if self._reader is not None:
            # the pipe closes when the process exits; a grandchild holding it must not hang us
            with contextlib.suppress(asyncio.TimeoutError):
                await bounded(asyncio.shield(self._reader), STEP_TIMEOUT)
        rc = self.returncode
        assert rc is not None
        return rc

    async def stop(self, graceful_timeout: float, step_timeout: float = STEP_TIMEOUT) -> int:
        """Ask ffmpeg to finish, escalating to signals; returns the exit code (negative = signal).

        Cancellation kills the child before re-raising, so nothing is left behind."""
        if self._proc is None:
            return 0
        self.stop_requested = True
        try:
            if self._proc.returncode is None:
                await self._close_lifeline()
            steps = (
                (None, graceful_timeout),
                (signal.SIGINT, step_timeout),
                (signal.SIGTERM, step_timeout),
                (signal.SIGKILL, step_timeout),
            )
            for sig, timeout in steps:
                if sig is not None:
                    if self._proc.returncode is not None:
                        break
                    log.warning("%s: still running, sending %s", self.name, sig.name)
                    self._signal_group(sig)
                try:
                    return await self.wait(timeout)
                except TimeoutError:
                    continue
            if self._proc.returncode is None:
                log.error("%s: pid %s did not exit after SIGKILL", self.name, self._proc.pid)
                return -int(signal.SIGKILL)
            rc = self.returncode
            assert rc is not None
            return rc
        except asyncio.CancelledError:
            await self.reap()
            raise

    async def _close_lifeline(self) -> None:
        stdin = self._proc.stdin if self._proc else None
        if stdin is None:
            return
        stdin.close()
        with contextlib.suppress(TimeoutError, OSError):  # already gone: signals take over
            await bounded(stdin.wait_closed(), STEP_TIMEOUT)

    def _signal_group(self, sig: signal.Signals) -> None:
        if self._proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._proc.pid, sig)

    def kill(self) -> None:
        """SIGKILL to ffmpeg and its wrapper without waiting (for cancellation paths); safe to
        call any time."""
        if self._proc is not None and self._proc.returncode is None:
            self._signal_group(signal.SIGKILL)

    async def reap(self, within: float = STEP_TIMEOUT) -> None:
        """SIGKILL, then wait (bounded, through repeated cancellations) for the exit and the
        end of the pipes: what a cancellation path does before it re-raises, so no process,
        transport or reader task is left for the garbage collector."""
        if self._proc is None:
            return
        self.kill()
        waiting = asyncio.ensure_future(self.wait(within))
        if await settle(waiting, within) and not waiting.cancelled() and waiting.exception():
            log.debug("%s: reaping: %s", self.name, waiting.exception())

    def log_failure(self, message: str) -> None:
        """Log a failed run once, with its stderr tail."""
        log.error(
            "%s: %s\n%s",
            self.name,
            message,
            self.stderr_tail() or "(no output from ffmpeg)",
            extra={"CAMERA_ID": self.camera_id, "COMPONENT": "media"},
        )


async def run(
    args: Sequence[str], *, name: str, time_limit: float, binary: str | None = None
) -> tuple[int, str]:
    """Run to completion within ``time_limit`` (then kill); returns ``(exit code, stderr tail)``.
    Raises ``FFmpegError`` on timeout."""
    proc = FFmpegProcess(args, name=name, binary=binary)
    await proc.start()
    try:
        rc = await proc.wait(time_limit)
    except TimeoutError:
        await proc.stop(0.0, step_timeout=1.0)
        raise FFmpegError(f"{name} timed out after {time_limit:g}s", proc.stderr_tail()) from None
    except asyncio.CancelledError:
        await proc.reap()
        raise
    return rc, proc.stderr_tail()
