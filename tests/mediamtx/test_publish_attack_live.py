"""No local user can publish to, or replace, a camera path (suite ``mediamtx``; needs root
to act as ``nobody``): another user harvests every credential it can see in ``/proc`` and
in world-readable files, at boot (no reader yet), while the camera streams (its publisher
running) and after it idled out, and tries to publish with each to every camera path.
Every try is refused, and the service allowed no publish but its own publisher's."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from guarded_stack import Guarded, guarded, until
from mediamtx_support import T

pytestmark = pytest.mark.mediamtx

__all__ = ["guarded"]  # the fixture, re-exported

HARVEST = Path(__file__).with_name("harvest_attack.py")
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
CONTROL = ["camera-service-publisher", "Made0up0Guess0Not0Ours"]  # refused like any other


@pytest.fixture
def before_the_stack() -> float:
    """A time before the test's service and MediaMTX made any credential: asked for before
    ``guarded`` in the test's arguments, so pytest sets it up first. Files older than this
    (less a second for coarse file times) cannot hold one, and the harvest skips them."""
    return time.time() - 1.0


async def attack(g: Guarded, earlier: list[list[str]], roots: list[str], since: float) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(
        *NOBODY, "/usr/bin/python3", "-c", HARVEST.read_text(), str(g.mediamtx.rtsp_port),
        "camera0", f"--newer-than={since}", *roots,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(json.dumps(earlier).encode()), 12 * T)
    assert proc.returncode == 0, err.decode(errors="replace")
    result: dict[str, Any] = json.loads(out)
    assert result["uid"] == 65534 and result["tries"] > 0, result["tries"]
    return result


def allowed_publishes(g: Guarded) -> int:
    return g.app.api.stream_auth.metrics.decisions.get(("publish", "allowed"), 0)


async def test_nobody_publishes_with_anything_it_can_see_at_boot_while_streaming_and_idle(
    before_the_stack: float, guarded: Guarded, tmp_path: Path
) -> None:
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv (util-linux) to attack as nobody")
    roots = ["/tmp", "/run", str(tmp_path)]
    app = guarded.app
    # at boot nothing of ours may be in sight: a made-up pair shows the tries reach MediaMTX
    boot = await attack(guarded, [CONTROL], roots, before_the_stack)
    assert boot["accepted"] == [] and allowed_publishes(guarded) == 0

    camera = app.registry.get("camera0")
    started = await app.streams.start_streaming(camera)
    assert started.ready, started
    ours = allowed_publishes(guarded)
    assert ours >= 1  # our own publisher got in
    streaming = await attack(guarded, boot["candidates"], roots, before_the_stack)
    assert streaming["saw_publisher"], "the harvest did not see the camera's publisher running"
    assert streaming["accepted"] == []

    await app.streams.stop_streaming(camera.id)

    async def idle() -> bool:
        return not (await app.streams.stream_report(camera)).state.ready

    await until(idle, "camera0 idled out (close_after)", 4 * T)
    after = await attack(guarded, streaming["candidates"], roots, before_the_stack)
    assert after["accepted"] == []
    assert allowed_publishes(guarded) == ours, "a publish was allowed that was not our publisher's"
