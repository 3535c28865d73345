"""Download links in a real browser (headless Chromium): a page on another origin shows a
snapshot with a plain ``<img src>``, plays and seeks a recording with a plain ``<video src>``
(Range requests), and, from an allowed origin only, reads files with ``fetch`` (CORS, with
an ``Authorization`` / ``X-API-Key`` preflight)."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from camera_service.rpc.auth import Role, key_file_entry

from .stack import TIMEOUT, Stack, api_stack, authed, call

pytestmark = pytest.mark.browser

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
if CHROMIUM is None or DRIVER is None or shutil.which("ffmpeg") is None:
    pytest.skip("needs chromium, chromedriver and ffmpeg (apt-get install chromium chromium-driver ffmpeg)",
                allow_module_level=True)

SNAPSHOT, RECORDING = "camera0_20261201_120000.jpg", "camera0_20261201_120000.mp4"

SCRIPT = """
const [links, token, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const out = {};
const img = new Image();
const shown = new Promise(ok => { img.onload = ok; img.onerror = ok; });
img.src = links.snapshot;
document.body.appendChild(img);
const video = document.createElement("video");
video.muted = true;
const seeked = new Promise(ok => {
  video.onloadedmetadata = () => { out.duration = video.duration; video.currentTime = 1.5; };
  video.onseeked = ok; video.onerror = () => { out.videoError = video.error.code; ok(); };
});
video.src = links.recording;
document.body.appendChild(video);
async function read(url, headers) {
  try {
    const r = await fetch(url, {headers});
    return {status: r.status, range: r.headers.get("Content-Range"),
            size: (await r.arrayBuffer()).byteLength};
  } catch (e) { return {blocked: String(e)}; }
}
(async () => {
  await Promise.all([shown, seeked]);
  out.imgWidth = img.naturalWidth;
  out.seekedTo = video.currentTime;
  out.signedRange = await read(links.snapshot, {Range: "bytes=0-9"});
  out.bearer = await read(links.plain, {Authorization: "Bearer " + token});
  out.apiKey = await read(links.plain, {"X-API-Key": "dash-key"});
  done(out);
})();
"""


def media(folder: Path) -> None:
    """A real JPEG and a real 3 s H.264 MP4, as the service would write them."""
    for name, args in (
        (SNAPSHOT, ["-frames:v", "1"]),
        (RECORDING, ["-t", "3", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart"]),
    ):
        kind = "snapshots" if name.endswith(".jpg") else "recordings"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=64x48:rate=10", *args,
             str(folder / kind / name)], check=True, timeout=60,
        )


async def blank_page(request: web.Request) -> web.Response:
    return web.Response(text="<!doctype html><body></body>", content_type="text/html")


@pytest.fixture
async def pages() -> AsyncIterator[tuple[str, str]]:
    """Two page servers: origins ``allowed`` and ``other`` (other ports, so other origins)."""
    app = web.Application()
    app.router.add_get("/", blank_page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    for _ in range(2):
        await web.TCPSite(runner, "127.0.0.1", 0).start()
    allowed, other = (f"http://127.0.0.1:{a[1]}" for a in runner.addresses)
    yield allowed, other
    await runner.cleanup()


def browse(page: str, links: dict[str, str], token: str) -> Any:
    """Blocking (run in a thread): open ``page`` in headless Chromium and run SCRIPT there."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--autoplay-policy=no-user-gesture-required"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    try:
        driver.set_script_timeout(TIMEOUT * 4)
        driver.get(page)
        return driver.execute_async_script(SCRIPT, links, token)
    finally:
        driver.quit()


async def download_links(stack: Stack) -> dict[str, str]:
    ws = await authed(stack, "viewer")
    try:
        snap = (await call(ws, "get_snapshot_info", {"filename": SNAPSHOT}))["result"]
        rec = (await call(ws, "get_recording_info", {"filename": RECORDING}))["result"]
    finally:
        await ws.close()
    plain = f"{stack.http}/files/snapshots/{SNAPSHOT}"
    return {"snapshot": snap["download_url"], "recording": rec["download_url"], "plain": plain}


async def test_links_work_in_a_browser_and_cors_only_for_allowed_origins(
    tmp_path: Path, pages: tuple[str, str]
) -> None:
    allowed, other = pages
    keys = tmp_path / "keys.yaml"
    keys.write_text("keys:\n" + key_file_entry("dash", Role.VIEWER, "dash-key"))
    async with api_stack(
        tmp_path / "state", api_key_file=keys, public_host="127.0.0.1", allowed_origins=(allowed,)
    ) as stack:
        media(stack.config.storage.state_dir)
        links = await download_links(stack)
        size = (stack.config.storage.snapshots_dir / SNAPSHOT).stat().st_size
        loop = asyncio.get_running_loop()
        seen = await loop.run_in_executor(None, browse, allowed + "/", links, stack.token("viewer"))
        refused = await loop.run_in_executor(None, browse, other + "/", links, stack.token("viewer"))
    report = json.dumps({"allowed": seen, "other": refused}, indent=1)
    for result in (seen, refused):  # plain elements need no CORS: they work from any page
        assert result["imgWidth"] == 64, report
        assert "videoError" not in result and result["duration"] >= 2.9, report
        assert result["seekedTo"] >= 1.4, report
    assert seen["signedRange"] == {"status": 206, "range": f"bytes 0-9/{size}", "size": 10}, report
    assert seen["bearer"] == {"status": 200, "range": None, "size": size}, report
    assert seen["apiKey"] == {"status": 200, "range": None, "size": size}, report
    for read in ("signedRange", "bearer", "apiKey"):  # the browser keeps the answer from the page
        assert "blocked" in refused[read], report
