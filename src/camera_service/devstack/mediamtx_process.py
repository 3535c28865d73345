"""Finding a MediaMTX binary and stopping a MediaMTX process, for the development stack
(``make run``) and for the tests and benchmarks that run a real MediaMTX beside the service.

A binary is looked for in ``MEDIAMTX_BIN`` (which, when set, must be one), then on PATH,
then at ``.cache/mediamtx/mediamtx`` of the source tree (``make mediamtx``). MediaMTX runs
in a session of its own, so stopping it is SIGTERM → bounded wait → SIGKILL, then SIGKILL
to whatever is left of its session (the on-demand publishers it started).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
CACHED = REPO / ".cache" / "mediamtx" / "mediamtx"


def find_mediamtx() -> tuple[str | None, str]:
    """``(binary, where it was found)`` or ``(None, why not)``."""
    env = os.environ.get("MEDIAMTX_BIN")
    if env:
        if os.access(env, os.X_OK) and Path(env).is_file():
            return env, "MEDIAMTX_BIN"
        return None, f"MEDIAMTX_BIN={env} is not an executable file"
    on_path = shutil.which("mediamtx")
    if on_path:
        return on_path, "PATH"
    if os.access(CACHED, os.X_OK):
        return str(CACHED), ".cache/mediamtx"
    return None, "no MediaMTX binary (MEDIAMTX_BIN, PATH or `make mediamtx`)"


def stop_process(proc: subprocess.Popen[bytes], timeout: float) -> bool:
    """SIGTERM, wait up to ``timeout``, then SIGKILL (and wait); a process that has exited
    is left. True when it had to be killed."""
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
        return False
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)
        return True


def stop_session(proc: subprocess.Popen[bytes], timeout: float) -> bool:
    """``stop_process``, then SIGKILL to what is left of its session (``proc`` was started
    with ``start_new_session=True``). True when MediaMTX itself had to be killed."""
    killed = stop_process(proc, timeout)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    return killed
