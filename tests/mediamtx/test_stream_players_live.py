"""``get_stream_url {with_token: true}`` URLs play as they are in real players, against a
real MediaMTX guarded by the service (suite ``mediamtx``): ffprobe (ffmpeg's RTSP client,
which keeps only ~127 characters of user info), GStreamer's ``rtspsrc``, and libVLC for
HLS where Debian's libVLC is installed: it opens the stream, 320x240 video (Debian's VLC
has no RTSP client: live555 is not in Debian). Without the token the same URLs are
refused, and a token for one camera does not open another path."""

from __future__ import annotations

import asyncio
import json
import shutil
from typing import Any
from urllib.parse import urlsplit

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
                         "--no-video-title-show", "--network-caching=500"])
player = instance.media_player_new(sys.argv[1])
player.play()
deadline = time.monotonic() + float(sys.argv[2])
while time.monotonic() < deadline:
    stats = vlc.MediaStats()
    media = player.get_media()
    if media is not None and media.get_stats(stats) and stats.decoded_video > 0:
        print("decoded", stats.decoded_video)
        sys.exit(0)
    if player.get_time() > 0:
        print("playing at", player.get_time())
        sys.exit(0)
    if player.get_state() == vlc.State.Playing and player.video_get_size(0) == (320, 240):
        # the playlist and the init segment came through MediaMTX's auth: the video track
        # is known (VLC 3 may hold MediaMTX's low-latency HLS parts back for a long while)
        print("playing, video 320x240")
        sys.exit(0)
    if player.get_state() in (vlc.State.Error, vlc.State.Ended):
        print("state", player.get_state())
        sys.exit(2)
    time.sleep(0.1)
print("timed out", player.get_state(), player.get_time(), player.video_get_size(0))
sys.exit(3)
"""


async def test_the_hls_url_with_token_opens_in_libvlc_as_it_is(guarded: Guarded) -> None:
    python = "/usr/bin/python3"
    rc, _, _ = await run(python, "-c", "import vlc; vlc.Instance()", limit=T)
    if rc != 0:
        pytest.skip("libVLC missing: apt-get install python3-vlc vlc-plugin-base")
    urls = (await stream_urls(guarded))["streams_with_token"]
    rc, out, err = await run(python, "-c", VLC, urls["hls"], str(3 * T))
    assert rc == 0, out + err[-2000:]
    rc, out, err = await run(python, "-c", VLC, urls["hls"].split("?")[0], str(T))
    assert rc != 0, out  # the same URL without its token is refused

