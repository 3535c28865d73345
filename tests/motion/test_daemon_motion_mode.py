"""Recording mode ``motion`` over the real daemon and a real network camera (the GStreamer RTSP
recipe camera, still and black until the test sets a white ball moving at a known time;
MediaMTX absent, so the camera is read directly). One daemon serves the module, its state
folder on a small tmpfs when the suite runs as root:

- an event's recording plays to its last frame, the ball first shows in it at least
  ``pre_capture`` seconds after its first frame, and the event's snapshot shows the ball;
- a full disk pauses the buffer with a reason (the service answers meanwhile) and it
  resumes once space is back;
- a SIGKILL during an event: after the restart the event is closed with its cause and its
  recording, made from the buffer the killed daemon left, plays.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from camera_service.media.motion_buffer import LEAD
from media.helpers import decoded_frames, playable, probe, require_ffmpeg
from support.daemon import TIMEOUT, Client, Daemon
from support.fixtures import require_rtsp_server
from support.rtsp_server import RtspTestServer

pytestmark = pytest.mark.ivv

CAMERA = "camera1"  # the test pattern is camera0
PRE, POST, FPS = 2.0, 1.0, 15


def extra(url: str) -> str:
    return (  # (a probe joining the recipe camera stalls its readers a moment: probe once)
        "  network_probe_interval: 3600\n"
        f"  network: [{{url: '{url}'}}]\n"
        f"  recording: {{buffer_mb: 8, cameras: {{{CAMERA}: {{mode: motion, segment_seconds: 60}}}}}}\n"
        f"  motion: {{cameras: {{{CAMERA}: {{enabled: true, quiet_seconds: 1, min_area: 0.1,"
        f" pre_capture: {PRE:g}, post_capture: {POST:g}}}}}}}\n"
    )


@dataclass
class Stack:
    tmp: Path
    camera: RtspTestServer
    daemon: Daemon
    disk: bool  # is the state folder a tmpfs of its own (a disk the test may fill)?

    def restart(self) -> None:
        self.daemon.stop()
        self.daemon = Daemon(self.tmp, extra(self.camera.url))


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    require_ffmpeg()
    require_rtsp_server()
    tmp = tmp_path_factory.mktemp("motion-mode")
    state = tmp / "state"
    state.mkdir()
    disk = os.geteuid() == 0 and shutil.which("mount") is not None and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=40m,mode=0750", "tmpfs", str(state)],
        capture_output=True, timeout=TIMEOUT, check=False,
    ).returncode == 0  # fmt: skip
    try:
        with RtspTestServer(size="320x240", scene="ball") as camera:
            s = Stack(tmp, camera, Daemon(tmp, extra(camera.url)), disk)
            try:
                yield s
            finally:
                s.daemon.stop()
    finally:
        if disk:
            subprocess.run(["umount", "-l", str(state)], timeout=TIMEOUT, check=False)


async def connect(daemon: Daemon) -> Client:
    client = await Client.connect(daemon.url)
    await client.result("authenticate", {"auth_token": daemon.token("admin")})
    return client


async def until(what: str, check: Any, within: float = TIMEOUT) -> Any:
    """Poll the coroutine function ``check`` until it returns something true (bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not (value := await check()):
        assert loop.time() < deadline, f"not within {within}s: {what}"
        await asyncio.sleep(0.2)
    return value


async def buffered(client: Client, seconds: float) -> dict[str, Any]:
    """The mode once the buffer holds ``seconds``."""
    async def enough() -> Any:
        reply = await client.call("get_recording_mode", {"device": CAMERA})
        mode = reply.get("result") or {}  # (an error while the camera is not registered yet)
        buffer = mode.get("buffer") or {}
        return mode if mode.get("phase") == "recording" and buffer.get("seconds", 0) >= seconds else None

    return dict(await until(f"{seconds} s in the buffer", enough))


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        data: bytes = response.read()
        return data


def first_ball(path: Path) -> float | None:
    """The time in the file of its first frame with the white ball (the picture is black
    without it)."""
    r = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-vf",
         "signalstats,metadata=print:key=lavfi.signalstats.YMAX:file=-", "-f", "null", "-"],
        capture_output=True, text=True, timeout=TIMEOUT, check=False,
    )  # fmt: skip
    pts = None
    for line in r.stdout.splitlines():
        if "pts_time:" in line:
            pts = float(line.rsplit("pts_time:", 1)[1])
        elif "YMAX=" in line and pts is not None and int(line.rsplit("=", 1)[1]) > 128:
            return pts
    return None


def bright_pixels(jpeg: bytes) -> tuple[int, float, float]:
    """How many pixels of the 320x180 gray picture are bright, and their centre (relative)."""
    raw = subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "image2pipe", "-i", "-",
         "-f", "rawvideo", "-pix_fmt", "gray", "-s", "320x180", "-"],
        input=jpeg, capture_output=True, timeout=TIMEOUT, check=True,
    ).stdout  # fmt: skip
    spots = [(i % 320, i // 320) for i, v in enumerate(raw) if v > 160]
    if not spots:
        return 0, 0.0, 0.0
    n = len(spots)
    return n, sum(x for x, _ in spots) / n / 320, sum(y for _, y in spots) / n / 180


async def test_an_events_recording_plays_and_begins_pre_capture_before_the_motion(stack: Stack) -> None:
    client = await connect(stack.daemon)
    try:
        mode = await buffered(client, PRE + LEAD + 1)
        assert mode["mode"] == "motion" and mode["current_file"] is None  # a piece is no recording
        assert 0 < mode["buffer"]["bytes"] <= mode["buffer"]["max_bytes"] == 8 * 1024 * 1024
        mark = len(client.frames)
        stack.camera.move()
        moved = time.time()
        started = await client.notification("motion_event", mark, device=CAMERA, status="started")
        stack.camera.still()
        event_id = started["params"]["event_id"]
        await client.notification("motion_event", mark, device=CAMERA, status="ended", event_id=event_id)
        saved = await client.notification("recording_status_update", mark, device=CAMERA, status="STOPPED")
        assert saved["params"]["mode"] == "motion" and event_id in saved["params"]["events"]
        event = await client.result("get_event", {"event_id": event_id})
        listed = await client.result("list_recordings", {"limit": 100})
        snapshot = await asyncio.to_thread(fetch, event["snapshot_url"])
    finally:
        await client.close()
    files = event["clip"]["files"]
    assert [f["filename"] for f in files] == [saved["params"]["filename"]], event["clip"]
    clip = files[0]
    assert clip["filename"] in [r["filename"] for r in listed["files"]]
    # the wall times the service gives the recording: pre_capture before the event, and
    # post_capture after it
    assert clip["start"] <= event["start"] - PRE, (clip, event["start"])
    assert clip["start"] <= moved - PRE, (clip, moved)
    assert clip["end"] >= event["end"] + POST, (clip, event["end"])
    # the file itself: it plays to its last frame, lasts what those times say, and the ball
    # shows at least pre_capture seconds after its first frame
    path = stack.daemon.state / "recordings" / clip["filename"]
    duration = float((await asyncio.to_thread(probe, path))["duration"])
    assert abs(duration - (clip["end"] - clip["start"])) < 1.0, (duration, clip)
    assert await asyncio.to_thread(decoded_frames, path) >= round(duration * FPS) - 2
    ball = await asyncio.to_thread(first_ball, path)
    assert ball is not None and ball >= PRE, f"the ball shows {ball} s into the recording"
    # the snapshot is the frame of peak motion: the ball, bright on black, inside the region
    count, x, y = await asyncio.to_thread(bright_pixels, snapshot)
    region = event["region"]
    assert 100 <= count <= 3000, count
    assert region["x"] - 0.05 <= x <= region["x"] + region["w"] + 0.05, (x, region)
    assert region["y"] - 0.05 <= y <= region["y"] + region["h"] + 0.05, (y, region)
    print(f"\nclip starts {event['start'] - clip['start']:.2f} s before the event, ball at {ball:.2f} s "
          f"in the file (pre_capture {PRE:g}); buffer {mode['buffer']['bytes']} bytes for "
          f"{mode['buffer']['seconds']} s")


def fill(folder: Path) -> Path:
    """Write a file until the disk is full (ENOSPC); returns it."""
    ballast = folder / "ballast"
    with contextlib.suppress(OSError), open(ballast, "wb") as f:
        block = b"\0" * (1024 * 1024)
        while True:
            f.write(block)
            f.flush()
    return ballast


async def test_a_full_disk_pauses_the_buffer_with_a_reason_and_it_resumes(stack: Stack) -> None:
    if not stack.disk:
        pytest.skip("needs root to mount a small tmpfs for the state folder")
    client = await connect(stack.daemon)
    try:
        await buffered(client, 1.0)
        mark = len(client.frames)
        ballast = await asyncio.to_thread(fill, stack.daemon.state)
        try:
            # (ffmpeg may hit ENOSPC first and be retried: the pause follows within a second)
            paused = await client.notification("recording_status_update", mark, device=CAMERA,
                                               status="FAILED", phase="paused_disk")  # fmt: skip
            params = paused["params"]
            assert "disk space low" in params["reason"], params
            mode = await client.result("get_recording_mode", {"device": CAMERA})
            assert mode["phase"] == "paused_disk" and "disk space low" in mode["reason"]
            assert (await client.result("get_status"))  # the service answers all along
            mark = len(client.frames)
        finally:
            ballast.unlink()
        resumed = await client.notification("recording_status_update", mark, device=CAMERA, status="STARTED")
        assert resumed["params"]["mode"] == "motion"
        await buffered(client, 1.0)
    finally:
        await client.close()
    assert stack.daemon.proc.poll() is None


async def test_a_sigkill_during_an_event_leaves_it_closed_with_its_cause_and_a_recording_that_plays(
    stack: Stack,
) -> None:
    client = await connect(stack.daemon)
    try:
        await buffered(client, PRE + LEAD + 1)
        mark = len(client.frames)
        stack.camera.move()
        started = await client.notification("motion_event", mark, device=CAMERA, status="started")
        event_id = started["params"]["event_id"]
        pending = stack.daemon.state / "motion-buffer" / f"{CAMERA}.clips.json"

        async def recorded_after_start() -> bool:  # a piece past the event's start is saved
            text = await asyncio.to_thread(lambda: pending.read_text() if pending.exists() else "")
            return '"open": {' in text and event_id in text

        await until("the pending clip saved", recorded_after_start)
    finally:
        await client.close()
    stack.daemon.proc.send_signal(signal.SIGKILL)
    await asyncio.to_thread(stack.daemon.proc.wait, TIMEOUT)
    stack.camera.still()
    await asyncio.to_thread(stack.restart)
    client = await connect(stack.daemon)
    try:
        event = await client.result("get_event", {"event_id": event_id})
    finally:
        await client.close()
    assert event["status"] == "ended" and event["cause"] == "service stopped unexpectedly"
    files = event["clip"]["files"]
    assert len(files) == 1, event["clip"]
    assert files[0]["start"] <= event["start"] - PRE
    path = stack.daemon.state / "recordings" / files[0]["filename"]
    assert await asyncio.to_thread(playable, path, FPS), path
