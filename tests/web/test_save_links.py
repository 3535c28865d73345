"""Every file link has a saving twin: ``download_url`` shows the file inline, ``save_url``
answers ``Content-Disposition: attachment`` with the file name, both signed the same way.
``snapshot_taken`` and a recording's end carry both, made at delivery for each recipient.
Real server on port 0, real HTTP and WebSocket."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from yarl import URL

from camera_service.links import STEP
from camera_service.models import Notification

from .stack import TIMEOUT, Stack, SteppedClock, api_stack, authed, call

pytestmark = pytest.mark.integration

CONTENT = bytes(range(256)) * 8
SNAPSHOT = "camera0_20261201_120000.jpg"
RECORDING = "camera0_20261201_120000.mp4"
SEGMENTS = ("camera0_20261201_130000_000.mkv", "camera0_20261201_130000_001.mkv")


@pytest.fixture
async def files(tmp_path: Path) -> AsyncIterator[tuple[Stack, SteppedClock]]:
    clock = SteppedClock()
    async with api_stack(tmp_path / "state", clock=clock, public_host="127.0.0.1") as stack:
        (stack.config.storage.snapshots_dir / SNAPSHOT).write_bytes(CONTENT)
        (stack.config.storage.recordings_dir / RECORDING).write_bytes(CONTENT[::-1])
        for i, name in enumerate(SEGMENTS):
            (stack.config.storage.recordings_dir / name).write_bytes(bytes([i]) * 100)
        yield stack, clock


async def fetch(url: str) -> tuple[int, bytes, Any]:
    async with aiohttp.ClientSession() as http:
        async with http.get(URL(url, encoded=True)) as r:
            return r.status, await r.read(), r.headers


async def rpc(ws: Any, method: str, params: dict[str, Any] | None = None) -> Any:
    reply = await call(ws, method, params)
    assert "result" in reply, reply
    return reply["result"]


async def note(ws: Any, method: str) -> dict[str, Any]:
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        if frame.get("method") == method:
            return dict(frame["params"])


async def assert_links(entry: dict[str, Any], content: bytes) -> None:
    name = entry["filename"]
    status, body, headers = await fetch(entry["download_url"])
    assert (status, body) == (200, content)
    assert headers["Content-Disposition"] == f'inline; filename="{name}"'
    assert entry["save_url"] == entry["download_url"] + "&download=1"
    status, body, headers = await fetch(entry["save_url"])
    assert (status, body) == (200, content)
    assert headers["Content-Disposition"] == f'attachment; filename="{name}"'


async def test_every_file_result_has_a_save_url_that_downloads_the_same_bytes(
    files: tuple[Stack, SteppedClock],
) -> None:
    stack, _ = files
    ws = await authed(stack, "viewer")
    try:
        shots = (await rpc(ws, "list_snapshots"))["files"]
        recs = {f["filename"]: f for f in (await rpc(ws, "list_recordings"))["files"]}
        await assert_links(shots[0], CONTENT)
        await assert_links(recs[RECORDING], CONTENT[::-1])
        await assert_links(await rpc(ws, "get_snapshot_info", {"filename": SNAPSHOT}), CONTENT)
        await assert_links(await rpc(ws, "get_recording_info", {"filename": RECORDING}), CONTENT[::-1])
    finally:
        await ws.close()


async def test_snapshot_and_recording_end_notifications_carry_links_per_recipient(
    files: tuple[Stack, SteppedClock],
) -> None:
    stack, clock = files
    viewer, operator = await authed(stack, "viewer"), await authed(stack, "operator")
    try:
        snap = Notification("snapshot_taken", "snapshot.taken",
                            {"device": "camera0", "filename": SNAPSHOT, "file_size": len(CONTENT)},
                            device="camera0")  # fmt: skip
        stack.bus.publish(snap)
        got = [await note(ws, "snapshot_taken") for ws in (viewer, operator)]
        assert "download_url" not in snap.params  # the bus never carries a link
        for params in got:
            await assert_links(params, CONTENT)

        started = Notification("recording_status_update", "recording.start",
                               {"device": "camera0", "status": "STARTED", "filename": RECORDING},
                               device="camera0")  # fmt: skip
        stack.bus.publish(started)
        assert "download_url" not in await note(viewer, "recording_status_update")

        clock.advance(3 * STEP)  # links are made when each notification is delivered
        stopped = Notification(
            "recording_status_update", "recording.stop",
            {"device": "camera0", "status": "STOPPED", "filename": SEGMENTS[0], "duration": 2,
             "segments": list(SEGMENTS)},
            device="camera0",
        )  # fmt: skip
        stack.bus.publish(stopped)
        params = await note(viewer, "recording_status_update")
        later = int(params["download_url"].split("expires=")[1].split("&")[0])
        earlier = int(got[0]["download_url"].split("expires=")[1].split("&")[0])
        assert later >= earlier + 3 * STEP
        assert [s["filename"] for s in params["segment_links"]] == list(SEGMENTS)
        for i, seg in enumerate(params["segment_links"]):
            await assert_links(seg, bytes([i]) * 100)
    finally:
        await viewer.close()
        await operator.close()
