"""Streams guarded by the service's own accounts, with a real MediaMTX (``authMethod: http``
pointed at the whole service's ``/mediamtx/auth``; suite ``mediamtx``, skipped without a
binary): anonymous RTSP, HLS and WHEP reads are refused, viewer tokens read, nobody but our
publisher publishes, our snapshots and recordings still work, and a changed API key file
(what SIGHUP reloads) applies to the next stream session."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import aiohttp
import pytest
from guarded_stack import FIRST_KEY, SECOND_KEY, Guarded, guarded, read_rtsp, run_ffmpeg, until

from camera_service.credentials import READER_USER
from camera_service.publish_grants import PUBLISHER_USER
from camera_service.rpc.auth import Role, key_file_entry
from support.cmdlines import CmdlineWatch

pytestmark = pytest.mark.mediamtx

__all__ = ["guarded"]  # the fixture, re-exported


async def test_anonymous_rtsp_read_is_refused_and_a_viewer_token_reads(
    guarded: Guarded, tmp_path: Path
) -> None:
    rc, err = await read_rtsp(f"rtsp://{guarded.rtsp}/camera0", tmp_path / "a.jpg")
    assert rc != 0 and "401" in err, err
    rc, err = await read_rtsp(f"rtsp://any:not-a-token@{guarded.rtsp}/camera0", tmp_path / "b.jpg")
    assert rc != 0 and "401" in err, err
    # a JWT in the query: ffmpeg keeps only ~127 characters of user info, too few for a JWT
    rc, err = await read_rtsp(f"rtsp://{guarded.rtsp}/camera0?jwt={guarded.token()}",
                              tmp_path / "c.jpg")
    assert rc == 0, err
    assert (await asyncio.to_thread((tmp_path / "c.jpg").read_bytes))[:2] == b"\xff\xd8"
    rc, err = await read_rtsp(f"rtsp://{guarded.rtsp}/camera0?token={FIRST_KEY}", tmp_path / "d.jpg")
    assert rc == 0, err


async def test_anonymous_hls_is_refused_and_a_bearer_token_or_jwt_query_reads(guarded: Guarded) -> None:
    url = f"http://127.0.0.1:{guarded.mediamtx.hls_port}/camera0/index.m3u8"
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as r:
            assert r.status == 401
        async with http.get(url, headers={"Authorization": "Bearer forged"}) as r:
            assert r.status == 401
        token = guarded.token()

        async def playlist(**kwargs: object) -> bool:
            async with http.get(url, **kwargs) as r:  # type: ignore[arg-type]
                return r.status == 200 and (await r.text()).startswith("#EXTM3U")

        await until(lambda: playlist(headers={"Authorization": f"Bearer {token}"}),
                    "HLS playlist with a bearer token")
        assert await playlist(params={"jwt": token})


async def test_anonymous_whep_is_refused_and_a_token_gets_past_auth(guarded: Guarded) -> None:
    url = f"http://127.0.0.1:{guarded.mediamtx.webrtc_port}/camera0/whep"
    headers = {"Content-Type": "application/sdp"}
    async with aiohttp.ClientSession() as http:
        async with http.post(url, data="v=0\r\n", headers=headers) as r:
            assert r.status == 401
        bearer = {**headers, "Authorization": f"Bearer {guarded.token()}"}
        async with http.post(url, data="v=0\r\n", headers=bearer) as r:
            # past the auth: MediaMTX now judges the (deliberately empty) offer
            assert r.status not in (401, 403), r.status


async def test_only_our_publisher_may_publish(guarded: Guarded) -> None:
    source = ["-re", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=5", "-t", "2",
              "-c:v", "libx264", "-f", "rtsp", "-rtsp_transport", "tcp"]
    for userinfo in ("", f"any:{guarded.token(Role.ADMIN)}@", f"{PUBLISHER_USER}:guessed@",
                     f"{READER_USER}:guessed@"):
        for path in ("camera0", "camera7"):
            rc, _ = await run_ffmpeg(*source, f"rtsp://{userinfo}{guarded.rtsp}/{path}")
            assert rc != 0, (userinfo, path)
    # camera0 is configured: each attempt there was asked about and refused (camera7 is not:
    # MediaMTX may turn it away before asking)
    assert guarded.app.api.stream_auth.metrics.decisions.get(("publish", "refused"), 0) >= 4


async def test_our_snapshots_and_recordings_still_work(guarded: Guarded, tmp_path: Path) -> None:
    app = guarded.app
    camera = app.registry.get("camera0")
    assert app.streams.reader_url(camera).startswith(f"rtsp://{READER_USER}:")
    reader = app.api.ctx.internal.reader if app.api.ctx.internal else None
    assert reader is not None
    # the reader password reaches our ffmpeg in a pipe, never on a command line in /proc
    with CmdlineWatch(reader.password.encode(), under=tmp_path) as watch:
        snapshot = await app.media.take_snapshot(camera, None)
        assert snapshot.file_size > 0
        assert (await asyncio.to_thread(Path(snapshot.path).read_bytes))[:2] == b"\xff\xd8"
        recording = await app.media.start_recording(camera, None, "mp4")
        await asyncio.sleep(3)
        done = await app.media.stop_recording(camera.id)
    assert done.file_size > 0, done
    assert len(watch.ffmpeg) >= 2 and not watch.leaks, (watch.ffmpeg, watch.leaks)
    assert recording.filename == done.filename
    decisions = app.api.stream_auth.metrics.decisions
    assert decisions.get(("read", "allowed"), 0) >= 2 and decisions.get(("publish", "allowed"), 0) >= 1


async def test_a_changed_api_key_file_applies_to_new_stream_sessions(
    guarded: Guarded, tmp_path: Path
) -> None:
    first = f"rtsp://dash:{FIRST_KEY}@{guarded.rtsp}/camera0"
    second = f"rtsp://dash:{SECOND_KEY}@{guarded.rtsp}/camera0"
    assert (await read_rtsp(first, tmp_path / "1.jpg"))[0] == 0
    assert (await read_rtsp(second, tmp_path / "2.jpg"))[0] != 0
    guarded.keys.write_text("keys:\n" + key_file_entry("dash", Role.VIEWER, SECOND_KEY))
    await guarded.app.reload(dataclasses.replace(guarded.app.config))  # what SIGHUP does
    rc, err = await read_rtsp(first, tmp_path / "3.jpg")
    assert rc != 0 and "401" in err, err
    rc, err = await read_rtsp(second, tmp_path / "4.jpg")
    assert rc == 0, err
