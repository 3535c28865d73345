"""Probes in threads of their own: a driver that never answers holds one thread, not the
process's exit, and beyond the limit a probe fails at once."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from camera_service.cameras.probe_threads import ProbeThreads
from camera_service.errors import ProbeError
from support.monitor_process import SRC, TIMEOUT

STUCK_FOREVER = """
import threading
from camera_service.cameras.probe_threads import ProbeThreads
ProbeThreads().submit(threading.Event().wait)  # as an ioctl into a wedged driver
print("submitted", flush=True)
"""


@pytest.mark.integration
def test_a_probe_stuck_forever_does_not_keep_the_process_alive() -> None:
    env = dict(os.environ, PYTHONPATH=str(SRC))
    r = subprocess.run([sys.executable, "-c", STUCK_FOREVER], env=env, capture_output=True,
                       text=True, timeout=TIMEOUT, check=False)  # fmt: skip
    assert (r.returncode, r.stdout.strip()) == (0, "submitted"), r.stderr


@pytest.mark.integration
def test_probes_beyond_the_limit_fail_at_once_and_slots_come_back() -> None:
    threads = ProbeThreads(limit=2)
    gate = threading.Event()
    waiting = [threads.submit(gate.wait) for _ in range(2)]
    refused = threads.submit(gate.wait)
    with pytest.raises(ProbeError, match="2 probes are still waiting for their drivers"):
        refused.result(timeout=1)
    gate.set()
    assert all(f.result(timeout=TIMEOUT) for f in waiting)
    deadline = time.monotonic() + TIMEOUT
    while threads.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threads.submit(lambda: 42).result(timeout=TIMEOUT) == 42
