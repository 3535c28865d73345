"""The key-frame keeper against the real RTSP camera: a snapshot of a live camera copies its
last key frame (no reader of its own), a stale or missing one falls back to capturing, and
the keeper's ffmpeg follows the camera (gone when it disconnects, never for a non-RTSP URL)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from camera_service.media.keyframes import KeyFrameKeeper, keeper_args, keeps
from camera_service.models import LAVFI_PREFIX, CameraEvent, CameraEventKind, CameraStatus
from support.fixtures import CAMERA_CREDENTIALS
from support.rtsp_server import RtspTestServer

from .conftest import MediaEnv, make_env
from .helpers import network_camera, probe, require_ffmpeg, storage_config

LIMIT = 20.0  # a loaded 2-core machine starts ffmpeg slowly


async def until(check: Callable[[], bool], limit: float = LIMIT) -> None:
    deadline = time.monotonic() + limit
    while not check():
        assert time.monotonic() < deadline, "not within the limit"
        await asyncio.sleep(0.02)


def alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


@contextlib.asynccontextmanager
async def keeper_env(root: Path, max_age: float = 3.0) -> AsyncIterator[tuple[MediaEnv, KeyFrameKeeper]]:
    require_ffmpeg()
    config = storage_config(root, snapshot_keyframes=True, snapshot_keyframe_max_age=max_age)
    async with make_env(config) as env, KeyFrameKeeper(
        root / "keyframes", lambda c: c.source_url or "", quality=3, max_width=0, max_age=max_age
    ) as keeper:
        env.service.key_frames = keeper
        yield env, keeper


@pytest.mark.unit
def test_only_rtsp_urls_are_kept() -> None:
    assert keeps("rtsp://127.0.0.1:8554/camera0") and keeps("rtsps://host/x")
    assert not keeps(f"{LAVFI_PREFIX}testsrc2") and not keeps("/dev/video0")


@pytest.mark.unit
def test_the_keeper_decodes_key_frames_only_and_keeps_passwords_off_the_command_line() -> None:
    args = keeper_args("rtsp://u:secret@127.0.0.1/cam", Path("/k/camera0.jpg"), 3, 320, 5.0)
    assert args.index("-skip_frame") < args.index("-i") and args[args.index("-skip_frame") + 1] == "nokey"
    assert "secret" not in " ".join(args)
    assert args[-1] == "/k/camera0.jpg"
    assert "-atomic_writing" in args and "scale='min(320,iw)':-2" in args


@pytest.mark.integration
async def test_a_snapshot_copies_the_kept_key_frame_without_a_reader_of_its_own(
    tmp_path: Path, rtsp_server: RtspTestServer
) -> None:
    camera = network_camera(rtsp_server.url)
    async with keeper_env(tmp_path / "state") as (env, keeper):
        keeper.track(camera)
        await until(lambda: keeper.latest(camera.id) is not None)
        rtsp_server.kill()  # no reader can get a picture now: only the kept one can
        snap = await env.service.take_snapshot(camera, None)
        info = probe(Path(snap.path))
        assert (info["codec_name"], info["width"], info["height"]) == ("mjpeg", "640", "480")
        assert [p.name for p in env.snapshots.iterdir()] == [snap.filename]  # no temporary left
        assert [n.method for n in env.events.items] == ["snapshot_taken"]


@pytest.mark.integration
async def test_a_stale_key_frame_is_not_used_the_snapshot_reads_the_camera(
    tmp_path: Path, rtsp_server_module: RtspTestServer
) -> None:
    camera = network_camera(rtsp_server_module.url)
    async with keeper_env(tmp_path / "state", max_age=0.0) as (env, keeper):
        keeper.track(camera)
        await until(lambda: keeper.path(camera.id).exists())
        assert keeper.latest(camera.id) is None  # older than 0 s
        snap = await env.service.take_snapshot(camera, None)  # captured by its own ffmpeg
        assert probe(Path(snap.path))["codec_name"] == "mjpeg"


@pytest.mark.integration
async def test_the_keeper_ends_with_its_camera_and_never_reads_a_generated_source(
    tmp_path: Path, rtsp_server_module: RtspTestServer
) -> None:
    camera = network_camera(rtsp_server_module.url)
    pattern = network_camera(f"{LAVFI_PREFIX}testsrc2=size=320x240:rate=10", "camera1")
    async with keeper_env(tmp_path / "state") as (_, keeper):
        keeper.track(camera)
        keeper.track(pattern)
        await until(lambda: keeper.latest(camera.id) is not None)
        assert set(keeper.pids()) == {camera.id}  # the test pattern has no keeper ffmpeg
        pid = keeper.pids()[camera.id]
        gone = network_camera(rtsp_server_module.url, status=CameraStatus.DISCONNECTED)
        keeper.on_camera_event(CameraEvent(CameraEventKind.CHANGED, gone))
        await until(lambda: not alive(pid) and not keeper.path(camera.id).exists())
        assert keeper.latest(camera.id) is None and keeper.pids() == {}
        keeper.track(camera)  # connected again: kept again
        await until(lambda: keeper.latest(camera.id) is not None)
        last = keeper.pids()[camera.id]
    assert not alive(last)  # leaving the context stopped it


@pytest.mark.integration
async def test_a_camera_with_a_password_is_kept_through_the_input_script(
    tmp_path: Path, rtsp_auth_server_module: RtspTestServer
) -> None:
    camera = network_camera(rtsp_auth_server_module.url)  # user:password@ in the URL
    async with keeper_env(tmp_path / "state") as (_, keeper):
        keeper.track(camera)
        await until(lambda: keeper.latest(camera.id) is not None)
        pid = keeper.pids()[camera.id]
        assert b"s3cret" in CAMERA_CREDENTIALS[1].encode()  # however the URL encodes it
        assert b"s3cret" not in cmdline(pid)  # the wrapper's and ffmpeg's: the URL is in the pipe
        assert probe(keeper.path(camera.id))["codec_name"] == "mjpeg"


def cmdline(pid: int) -> bytes:
    found = b""
    for p in [pid, *(int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]:
        with contextlib.suppress(OSError):
            found += Path(f"/proc/{p}/cmdline").read_bytes()
    return found
