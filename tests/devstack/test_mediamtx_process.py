"""``camera_service.devstack.mediamtx_process`` with real processes: where a MediaMTX binary
is looked for (in a child, with its own environment), and a process that ignores SIGTERM
killed with the rest of its session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from camera_service.devstack.mediamtx_process import stop_process, stop_session

pytestmark = pytest.mark.integration

SRC = Path(__file__).resolve().parents[2] / "src"
FIND = ("import json; from camera_service.devstack.mediamtx_process import find_mediamtx; "
        "print(json.dumps(find_mediamtx()))")


def found(env: dict[str, str]) -> list[str | None]:
    out = subprocess.run([sys.executable, "-c", FIND], env={**os.environ, "PYTHONPATH": str(SRC), **env},
                         capture_output=True, text=True, timeout=30, check=True).stdout
    result: list[str | None] = json.loads(out)
    return result


def gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_mediamtx_bin_is_taken_as_it_is_or_named_as_the_reason(tmp_path: Path) -> None:
    assert found({"MEDIAMTX_BIN": "/bin/true"}) == ["/bin/true", "MEDIAMTX_BIN"]
    missing = str(tmp_path / "mediamtx")
    assert found({"MEDIAMTX_BIN": missing}) == [None, f"MEDIAMTX_BIN={missing} is not an executable file"]


def test_a_process_that_ignores_sigterm_is_killed_with_what_it_started() -> None:
    proc = subprocess.Popen(["sh", "-c", 'trap "" TERM; sleep 60 & echo $!; wait'],
                            stdout=subprocess.PIPE, start_new_session=True)
    assert proc.stdout is not None
    child = int(proc.stdout.readline())
    proc.stdout.close()
    assert stop_session(proc, 0.5) is True and proc.returncode is not None
    deadline = time.monotonic() + 10
    while not gone(child):
        assert time.monotonic() < deadline, "the session's sleep outlived stop_session"
        time.sleep(0.05)
    assert stop_process(proc, 0.5) is False  # exited: left as it is


def test_a_process_that_stops_on_sigterm_is_not_killed() -> None:
    proc = subprocess.Popen(["sleep", "60"])
    assert stop_process(proc, 10) is False and proc.returncode == -15
