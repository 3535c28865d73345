"""``camera-ctl events`` and ``camera-ctl motion``: the real CLI in a child process against a
real API server with a real motion service (cameras unplugged: no ffmpeg runs)."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from camera_service.config.model import MotionConfig
from camera_service.media.event_store import StoredEvent
from camera_service.models import CameraStatus
from camera_service.motion.service import MotionService
from camera_service.motion.worker import notification
from web.stack import TIMEOUT, Stack, api_stack, usb_camera

from .test_cli import SRC, ctl

pytestmark = pytest.mark.integration

START = float(int(time.time()) - 36_000)  # recent: younger than retain_days


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with api_stack(tmp_path) as s:
        s.registry.upsert(usb_camera(0, CameraStatus.DISCONNECTED))
        async with MotionService(MotionConfig(), tmp_path / "state", s.registry, s.bus, lambda c: "") as m:
            s.ctx.motion = m
            yield s


def event(n: int, end: float | None = 8.0) -> StoredEvent:
    start = START + 100 * n
    return StoredEvent(f"camera0_e{n}", "camera0", start, None if end is None else start + end,
                       start + 8, 2.5, start + 1, None, None, None, "quiet" if end else "")  # fmt: skip


async def test_events_lists_a_table_and_json(stack: Stack) -> None:
    assert stack.ctx.motion is not None
    for n in range(3):
        await stack.ctx.motion.store.save(event(n))  # type: ignore[attr-defined]
    code, out, err = await ctl("events", "--device", "camera0", "--limit", "2",
                               url=stack.url, token=stack.token("viewer"))  # fmt: skip
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["EVENT", "DEVICE", "START", "SECONDS", "SCORE", "STATUS", "CAUSE"]
    assert "camera0_e2" in lines[2] and "camera0_e1" in lines[3] and lines[-1] == "2 of 3 event(s)"
    code, out, _ = await ctl("--json", "events", "--since", str(START + 150),
                             url=stack.url, token=stack.token("viewer"))  # fmt: skip
    assert code == 0 and [e["event_id"] for e in json.loads(out)["events"]] == ["camera0_e2"]


async def test_events_follow_prints_motion_notifications(stack: Stack) -> None:
    cmd = [sys.executable, "-m", "camera_service.client.cli", "--url", stack.url,
           "--token", stack.token("viewer"), "events", "--follow"]  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        *cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={"PYTHONPATH": str(SRC), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    try:
        assert proc.stderr is not None and proc.stdout is not None
        line = await asyncio.wait_for(proc.stderr.readline(), TIMEOUT)
        assert b"following motion events" in line
        stack.bus.publish(notification(event(5, end=None), "started"))
        while b"motion started" not in (out := await asyncio.wait_for(proc.stdout.readline(), TIMEOUT)):
            assert out, "the output ended"
        assert b"camera0_e5" in out and b"camera0" in out
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), TIMEOUT)


async def test_motion_show_and_set(stack: Stack) -> None:
    code, out, err = await ctl("motion", "show", "camera0", url=stack.url, token=stack.token("viewer"))
    assert code == 0, err
    assert "enabled: False" in out and "source: default" in out
    code, out, err = await ctl("--json", "motion", "set", "camera0", "--enable", "--threshold", "40",
                               "--masks", "[[[0,0],[0.5,0],[0.5,0.5]]]",
                               url=stack.url, token=stack.token("operator"))  # fmt: skip
    assert code == 0, err
    result = json.loads(out)
    assert (result["enabled"], result["threshold"], len(result["masks"])) == (True, 40, 1)
    code, _, err = await ctl("motion", "set", "camera0", "--threshold", "0",
                             url=stack.url, token=stack.token("operator"))  # fmt: skip
    assert code == 1 and "threshold" in err
    code, _, err = await ctl("motion", "set", "camera0", url=stack.url, token=stack.token("operator"))
    assert code == 1 and "at least one setting" in err
