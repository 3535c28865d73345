"""The real daemon with motion detection on the test pattern (ffmpeg's testsrc2, whose
picture moves all the time; MediaMTX is absent, so the pattern is read directly): the
``motion_event started`` notification comes, ``list_events`` and ``get_event`` show the
running event with a signed link to its picture, ``get_status`` (valid by compat.json) shows
the detector running at about 5 frames a second, and after a SIGKILL during the event the
restarted daemon has closed it with its cause, and its clip (the continuous recording's
segments that cover it, no copy) plays."""

from __future__ import annotations

import asyncio
import signal
import urllib.request
from pathlib import Path

import pytest

from media.helpers import playable, require_ffmpeg
from support.compat_results import validate_result
from support.daemon import Client, Daemon

pytestmark = pytest.mark.ivv

MOTION = ("  motion: {enabled: true, quiet_seconds: 2, pre_capture: 3}\n"
          "  recording: {mode: continuous, segment_seconds: 2}\n")


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        data: bytes = response.read()
        return data


async def test_an_event_is_announced_listed_and_closed_after_a_sigkill(tmp_path: Path) -> None:
    require_ffmpeg()
    daemon = await asyncio.to_thread(Daemon, tmp_path, MOTION)
    try:
        client = await Client.connect(daemon.url)
        await client.result("authenticate", {"auth_token": daemon.token("admin")})
        await client.result("subscribe_events", {"topics": ["motion_event"]})
        started = await client.notification("motion_event", within=40, status="started")
        event_id = started["params"]["event_id"]
        assert started["params"]["device"] == "camera0"
        listed = await client.result("list_events", {"device": "camera0"})
        assert listed["total"] >= 1 and event_id in [e["event_id"] for e in listed["events"]]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while (event := await client.result("get_event", {"event_id": event_id}))["snapshot_url"] is None:
            assert loop.time() < deadline, "no picture for the running event"
            await asyncio.sleep(0.2)
        assert event["status"] == "active" and event["clip"]["start"] == event["start"] - 3
        assert (await asyncio.to_thread(fetch, event["snapshot_url"]))[:2] == b"\xff\xd8"
        config = await client.result("get_motion_config", {"device": "camera0"})
        assert config["enabled"] and config["state"] == "detecting"
        status = await client.result("get_status", {})
        validate_result("get_status", status)  # compat.json's shape, the detectors beside it
        detector = status["motion"]["camera0"]
        assert detector["state"] == "running" and detector["reason"] == "", detector
        assert 3.5 <= detector["fps"] <= 6.5 and detector["frames"] > 0, detector
        assert status["component_health"]["motion"]["healthy"], status["component_health"]
        await client.close()
        daemon.proc.send_signal(signal.SIGKILL)
        await asyncio.to_thread(daemon.proc.wait, 10)
    finally:
        daemon.stop()
    daemon = await asyncio.to_thread(Daemon, tmp_path, MOTION)
    try:
        client = await Client.connect(daemon.url)
        await client.result("authenticate", {"auth_token": daemon.token("viewer")})
        event = await client.result("get_event", {"event_id": event_id})
        assert event["status"] == "ended" and event["cause"] == "service stopped unexpectedly"
        assert event["end"] >= event["start"]
        files = event["clip"]["files"]
        assert files, event["clip"]
        first = daemon.state / "recordings" / files[0]["filename"]
        assert await asyncio.to_thread(playable, first), first
        await client.close()
    finally:
        daemon.stop()
