"""``get_stream_url {with_token: true}`` URLs play as they are in real players, against a
real MediaMTX guarded by the service (suite ``mediamtx``): ffprobe (ffmpeg's RTSP client,
which keeps only ~127 characters of user info), GStreamer's ``rtspsrc``, and libVLC where
Debian's libVLC is installed: it decodes frames from the HLS URL. libVLC cannot open the
RTSP URL at all here, proven by the last test: Debian builds VLC without live555
(``--disable-live555``, not in Debian), its other ``rtsp://`` modules speak only SAT>IP and
Real/Helix RTSP, and its ``avio`` access passes the URL to libavformat's byte-stream
protocols, where RTSP is not one (RTSP is a demuxer there; "protocol not found"). Without
the token the same URLs are refused, and a token for one camera does not open another path."""

from __future__ import annotations

import asyncio
import json
import shutil
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from guarded_stack import Guarded, guarded
from mediamtx_support import T

from web.stack import call, connect

pytestmark = pytest.mark.mediamtx

__all__ = ["guarded"]  # the fixture, re-exported


async def stream_urls(g: Guarded) -> dict[str, Any]:
    ws = await connect(f"ws://127.0.0.1:{g.app.port}/ws")
    try:
        reply = await call(ws, "authenticate", {"auth_token": g.token()})
        assert reply["result"]["authenticated"], reply
        reply = await call(ws, "get_stream_url", {"device": "camera0", "with_token": True})
        assert "result" in reply, reply
        return dict(reply["result"])
    finally:
        await ws.close()


async def run(*argv: str, limit: float = 4 * T) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), limit)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return -9, "", "timed out"
    assert proc.returncode is not None
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


async def ffprobe(url: str) -> tuple[int, str, str]:
    return await run("ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-show_entries",
                     "stream=codec_name,width,height", "-of", "json", url)


async def test_the_rtsp_url_with_token_plays_in_ffprobe_as_it_is(guarded: Guarded) -> None:
    result = await stream_urls(guarded)
    url = result["stream_url_with_token"]
    assert url == result["streams_with_token"]["rtsp"] and len(urlsplit(url).password or "") < 100
    rc, out, err = await ffprobe(url)
    assert rc == 0, err
    assert json.loads(out)["streams"][0] == {"codec_name": "h264", "width": 320, "height": 240}
    rc, _, err = await ffprobe(result["stream_url"])  # the same URL without the token
    assert rc != 0 and "401" in err, err
    other = url.replace("/camera0", "/camera1")  # a token opens its own camera only
    rc, _, err = await ffprobe(other)
    assert rc != 0, err


async def test_the_rtsp_url_with_token_plays_in_gstreamer_rtspsrc_as_it_is(guarded: Guarded) -> None:
    if shutil.which("gst-launch-1.0") is None:
        pytest.skip("gst-launch-1.0 missing: apt-get install gstreamer1.0-tools")
    url = (await stream_urls(guarded))["stream_url_with_token"]
    pipeline = ["rtspsrc", f"location={url}", "protocols=tcp", "!", "rtph264depay", "!",
                "fakesink", "num-buffers=5"]
    rc, out, err = await run("gst-launch-1.0", "-q", *pipeline)
    assert rc == 0, out + err


VLC = """
import sys, time, vlc
instance = vlc.Instance(["--intf=dummy", "--vout=dummy", "--aout=dummy", "--no-audio",
                         "--no-video-title-show", "--verbose=2"] + sys.argv[3:])
media = instance.media_new(sys.argv[1])
player = instance.media_player_new()
player.set_media(media)
player.play()
deadline = time.monotonic() + float(sys.argv[2])
while time.monotonic() < deadline:
    stats = vlc.MediaStats()
    if media.get_stats(stats) and stats.decoded_video >= 10:
        print("decoded", stats.decoded_video, "frames of", player.video_get_size(0))
        sys.exit(0)
    if player.get_state() in (vlc.State.Error, vlc.State.Ended):
        print("state", player.get_state())
        sys.exit(2)
    time.sleep(0.1)
print("timed out", player.get_state(), player.get_time(), player.video_get_size(0))
sys.exit(3)
"""
VLC_MISSING = "libVLC missing: apt-get install python3-vlc vlc-plugin-base"


async def libvlc_missing() -> bool:
    rc, _, _ = await run("/usr/bin/python3", "-c", "import vlc; vlc.Instance()", limit=T)
    return rc != 0


async def gapless(url: str) -> None:
    """Until MediaMTX's Low-Latency HLS playlist at ``url`` has only real segments: a fresh
    muxer lists seven gaps (``gap.mp4``, answered 404, for iOS) before its first segment,
    and VLC 3, which knows no EXT-X-GAP, starts at the first entry and waits there."""
    deadline = asyncio.get_running_loop().time() + 3 * T
    async with aiohttp.ClientSession() as session:
        while True:
            async with session.get(url) as top:
                assert top.status == 200, top.status
                base = url.rsplit("/", 1)[0]
                media = next(line for line in (await top.text()).splitlines()
                             if line and not line.startswith("#"))
            async with session.get(f"{base}/{media}") as res:
                if res.status == 200 and "gap.mp4" not in await res.text():
                    return
            assert asyncio.get_running_loop().time() < deadline, "the playlist keeps its gaps"
            await asyncio.sleep(0.5)


async def test_the_hls_url_with_token_plays_in_libvlc_as_it_is(guarded: Guarded) -> None:
    if await libvlc_missing():
        pytest.skip(VLC_MISSING)
    url = (await stream_urls(guarded))["streams_with_token"]["hls"]
    await gapless(url)
    rc, out, err = await run("/usr/bin/python3", "-c", VLC, url, str(3 * T))
    assert rc == 0 and "(320, 240)" in out, out + err[-3000:]
    rc, out, err = await run("/usr/bin/python3", "-c", VLC, url.split("?")[0], str(T))
    assert rc != 0, out  # the same URL without its token is refused


async def test_libvlc_has_no_rtsp_client_for_the_rtsp_url(guarded: Guarded) -> None:
    if await libvlc_missing():
        pytest.skip(VLC_MISSING)
    url = (await stream_urls(guarded))["stream_url_with_token"]
    rc, out, err = await run("/usr/bin/python3", "-c", VLC, url, str(T))
    assert rc == 2, out  # its rtsp:// modules: SAT>IP and Real/Helix only, no live555
    assert "'--disable-live555'" in err and "only real/helix rtsp servers supported" in err, err
    rc, out, err = await run("/usr/bin/python3", "-c", VLC, f"avio://{url}", str(T))
    assert rc == 2, out  # libavformat has RTSP as a demuxer, not as an AVIO protocol
    assert "avio" in err and "Failed to open rtsp://" in err, err[-3000:]
