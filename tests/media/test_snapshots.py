"""Snapshots from a real RTSP camera: a real JPEG, atomically written, bounded in time,
and never outside the snapshot folder."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from camera_service.errors import CameraUnavailable, FFmpegError, InvalidParams
from camera_service.models import LAVFI_PREFIX, CameraStatus
from camera_service.models_recordings import RecordingStatus
from support.rtsp_server import RtspTestServer

from .conftest import MediaEnv, make_env
from .helpers import network_camera, playable, probe, require_ffmpeg, storage_config

pytestmark = pytest.mark.integration


def head(path: Path, n: int = -1) -> bytes:
    with open(path, "rb") as f:
        return f.read(n)


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


async def test_snapshot_is_a_jpeg_of_the_camera_size(
    media: MediaEnv, rtsp_server_module: RtspTestServer
) -> None:
    snap = await media.service.take_snapshot(network_camera(rtsp_server_module.url), None)
    path = Path(snap.path)
    assert path.parent == media.snapshots and path.name == snap.filename
    assert snap.filename.startswith("camera0_") and snap.filename.endswith(".jpg")
    assert head(path, 3) == b"\xff\xd8\xff"  # JPEG SOI marker
    info = probe(path)
    assert (info["codec_name"], info["width"], info["height"]) == ("mjpeg", "640", "480")
    assert snap.file_size == len(head(path))
    assert sorted(os.listdir(media.snapshots)) == [snap.filename]  # no temporary file left
    (note,) = [n for n in media.events.items if n.method == "snapshot_taken"]
    assert note.topic == "snapshot.taken"
    assert note.params == {
        "device": "camera0",
        "filename": snap.filename,
        "file_size": snap.file_size,
        "timestamp": snap.timestamp,
    }


async def test_snapshot_max_width_scales_down_keeping_the_aspect(
    tmp_path: Path, rtsp_server_module: RtspTestServer
) -> None:
    require_ffmpeg()
    config = storage_config(tmp_path, snapshot_max_width=320)
    async with make_env(config) as env:
        snap = await env.service.take_snapshot(network_camera(rtsp_server_module.url), "small")
        assert snap.filename == "small.jpg"
        info = probe(Path(snap.path))
        assert (info["width"], info["height"]) == ("320", "240")


async def test_requested_name_that_exists_is_refused_and_default_names_get_a_number(
    media: MediaEnv, rtsp_server_module: RtspTestServer
) -> None:
    cam = network_camera(rtsp_server_module.url)
    await media.service.take_snapshot(cam, "door")
    before = (media.snapshots / "door.jpg").read_bytes()
    with pytest.raises(InvalidParams):
        await media.service.take_snapshot(cam, "door.jpg")
    assert (media.snapshots / "door.jpg").read_bytes() == before  # nothing overwritten

    first = await media.service.take_snapshot(cam, None)
    taken = {first.filename}
    while len(taken) < 3:  # two more in (most likely) the same second
        taken.add((await media.service.take_snapshot(cam, None)).filename)
    assert len(taken) == 3


@pytest.mark.parametrize("name", ["../x", "/etc/passwd", "a/b", "", "y" * 300, "a\x00b"], ids=repr)
async def test_bad_filenames_are_rejected_and_nothing_is_written(
    media: MediaEnv, rtsp_server_module: RtspTestServer, tmp_path: Path, name: str
) -> None:
    passwd = head(Path("/etc/passwd"))
    before = tree(tmp_path)
    with pytest.raises(InvalidParams) as e:
        await media.service.take_snapshot(network_camera(rtsp_server_module.url), name)
    assert e.value.param == "filename"
    assert tree(tmp_path) == before
    assert os.listdir(media.snapshots) == []
    assert head(Path("/etc/passwd")) == passwd
    assert not (media.snapshots.parent / "x").exists()
    assert not [n for n in media.events.items if n.method == "snapshot_taken"]


async def test_snapshot_of_a_stopped_server_fails_with_ffmpeg_error(
    media: MediaEnv, rtsp_server: RtspTestServer
) -> None:
    cam = network_camera(rtsp_server.url)
    rtsp_server.stop()
    with pytest.raises(FFmpegError):
        await media.service.take_snapshot(cam, None)
    assert os.listdir(media.snapshots) == []


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A TCP server that accepts RTSP connections and never answers: a hung camera."""
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(8)
        yield f"rtsp://127.0.0.1:{srv.getsockname()[1]}/cam0"


async def test_snapshot_times_out_on_a_camera_that_never_answers(
    tmp_path: Path, silent_server: str
) -> None:
    require_ffmpeg()
    async with make_env(storage_config(tmp_path, snapshot_timeout=1.0)) as env:
        with pytest.raises(FFmpegError, match="timed out"):
            await env.service.take_snapshot(network_camera(silent_server), None)
        assert os.listdir(env.snapshots) == []


async def test_snapshot_needs_a_connected_camera(media: MediaEnv) -> None:
    cam = network_camera("rtsp://127.0.0.1:9/none", status=CameraStatus.DISCONNECTED)
    with pytest.raises(CameraUnavailable):
        await media.service.take_snapshot(cam, None)


async def test_the_test_pattern_is_read_without_mediamtx(media: MediaEnv) -> None:
    # while MediaMTX is away, the reader URL of a test-pattern camera is its lavfi source
    pattern = network_camera(f"{LAVFI_PREFIX}testsrc2=size=320x240:rate=10")
    snap = await media.service.take_snapshot(pattern, None)
    info = probe(Path(snap.path))
    assert (info["codec_name"], info["width"], info["height"]) == ("mjpeg", "320", "240")
    rec = await media.service.start_recording(pattern, None, "mp4")
    await asyncio.sleep(2.5)
    done = await media.service.stop_recording("camera0")
    assert done.status is RecordingStatus.STOPPED, done.reason
    assert playable(media.recordings / rec.filename, min_frames=15)  # encoded: raw frames
