"""Watch every process's command line (``/proc/<pid>/cmdline``, which any local user can
read) while a test runs, to prove that a secret never shows up there.

    with CmdlineWatch(b"s3cret", under=tmp_path) as watch:
        ... run ffmpeg ...
    assert watch.ffmpeg, "no ffmpeg was seen"
    assert not watch.leaks

A thread samples ``/proc`` every ``interval`` seconds, so it works from sync and async
tests alike without blocking an event loop.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import TracebackType


def all_cmdlines() -> dict[int, bytes]:
    """``{pid: command line with spaces for NULs}`` of every process that is not a zombie."""
    out = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if cmd:  # a zombie's (or a kernel thread's) is empty
            out[int(entry)] = cmd.replace(b"\0", b" ")
    return out


def ffmpeg_argvs() -> list[list[bytes]]:
    """The arguments (``argv``) of every ffmpeg process there is now."""
    out = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if args and args[0].endswith(b"ffmpeg"):
            out.append(args)
    return out


class CmdlineWatch:
    def __init__(self, secret: bytes, under: Path, interval: float = 0.02) -> None:
        self.secret = secret
        self.under = str(under).encode()
        self.interval = interval
        self.leaks: dict[int, bytes] = {}  # any process whose command line holds the secret
        self.ffmpeg: dict[int, bytes] = {}  # ffmpeg processes writing under ``under``
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cmdline watch", daemon=True)

    def sample(self) -> None:
        for pid, cmd in all_cmdlines().items():
            if self.secret in cmd:
                self.leaks[pid] = cmd
            if cmd.split(b" ", 1)[0].endswith(b"ffmpeg") and self.under in cmd:
                self.ffmpeg[pid] = cmd

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> CmdlineWatch:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(5.0)
