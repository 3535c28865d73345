"""A reply comes before every notification its request caused: over a real WebSocket to the
real daemon with the test-pattern camera (read directly by ffmpeg, MediaMTX being absent),
``take_snapshot`` → ``snapshot_taken`` and ``start_recording``/``stop_recording`` →
``recording_status_update`` each arrive after the reply, never before it."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from support.daemon import TIMEOUT, Client, Daemon

pytestmark = pytest.mark.ivv


@pytest.fixture(scope="module")
def daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg missing: apt-get install ffmpeg")
    d = Daemon(tmp_path_factory.mktemp("order"))
    try:
        yield d
    finally:
        d.stop()


async def connected_camera(client: Client) -> str:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while loop.time() < deadline:
        cams = (await client.result("get_camera_list"))["cameras"]
        if cams and cams[0]["status"] == "CONNECTED":
            return str(cams[0]["device"])
        await asyncio.sleep(0.2)
    raise AssertionError("the test-pattern camera is not CONNECTED")


def caused_before(client: Client, reply: dict[str, Any], method: str, device: str) -> list[Any]:
    return [
        f for f in client.frames[: client.index(reply)]
        if f.get("method") == method and (f.get("params") or {}).get("device") == device
    ]  # fmt: skip


async def test_snapshot_reply_comes_before_snapshot_taken(daemon: Daemon) -> None:
    client = await Client.connect(daemon.url)
    try:
        await client.result("authenticate", {"auth_token": daemon.token("operator")})
        device = await connected_camera(client)
        reply = await client.call("take_snapshot", {"device": device})
        assert "result" in reply, reply
        assert caused_before(client, reply, "snapshot_taken", device) == []
        note = await client.notification("snapshot_taken", client.index(reply) + 1, device=device)
        assert note["params"]["filename"] == reply["result"]["filename"]
    finally:
        await client.close()


async def test_recording_replies_come_before_their_status_updates(daemon: Daemon) -> None:
    client = await Client.connect(daemon.url)
    try:
        await client.result("authenticate", {"auth_token": daemon.token("operator")})
        device = await connected_camera(client)
        started = await client.call("start_recording", {"device": device})
        assert "result" in started, started
        assert caused_before(client, started, "recording_status_update", device) == []
        await client.notification(
            "recording_status_update", client.index(started) + 1, device=device, status="STARTED"
        )
        stopped = await client.call("stop_recording", {"device": device})
        assert "result" in stopped, stopped
        before = caused_before(client, stopped, "recording_status_update", device)
        assert [f["params"]["status"] for f in before] == ["STARTED"]
        note = await client.notification(
            "recording_status_update", client.index(stopped) + 1, device=device, status="STOPPED"
        )
        assert isinstance(note["params"]["duration"], int)
        assert note["params"]["filename"] == stopped["result"]["filename"]
    finally:
        await client.close()


def test_daemon_log_has_no_traceback(daemon: Daemon) -> None:
    assert "Traceback" not in daemon.log_text()
