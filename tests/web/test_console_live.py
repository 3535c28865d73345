"""The console's live view against a real MediaMTX (markers ``mediamtx`` and ``browser``),
set up as the Ansible role does: stream auth on (MediaMTX asks the daemon's
``/mediamtx/auth``), camera0 an on-demand path that nothing reads until the tile does.

A viewer's tile starts the idle stream over WebRTC (WHEP with the viewer's token) and plays
it at 1280x720; leaving the page ends the WHEP session (MediaMTX lists none); where WebRTC
cannot connect (Chromium allowed no UDP) it plays over HLS from a fresh muxer; both play
again by themselves after a crash, within RECOVERY_S (2 s) of MediaMTX's return on a machine
with CPU to spare (``recovery_bound``). Each test starts
from a stream nobody reads (none keeps one alive) and ends with no console error; during a
crash only failed requests to MediaMTX itself are allowed. Skipped, saying how to get
MediaMTX, where there is none (``make mediamtx`` or ``MEDIAMTX_BIN``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.browser import NO_UDP, Browser, unavailable
from support.console_daemon import HOW, ConsoleDaemon, WebRtcMediaMTX, find_mediamtx

pytestmark = [pytest.mark.mediamtx, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS", ROOT / ".artifacts" / "browser"))
T = 30.0
# MediaMTX answers again -> the tile plays again (over WebRTC, or HLS without UDP): the goal.
# Measured on 2 cores at load 7-9: WebRTC median 1.5 s (max 2.3), HLS median 1.2 s (max 1.5);
# on a quiet machine about 1 s. Where the time goes: the service notices MediaMTX (asked every
# 0.1 s while down, and whenever the console reads the health) and restores its paths before
# it says MediaMTX is back; the tile asks the service every 0.1 s with its WHEP offer ready;
# the on-demand publisher starts (the longest step: 0.6 s idle, 1-2 s on a loaded machine,
# mostly ffmpeg's own start); the viewer gets the next of the start's key frames (0.1 s
# apart); HLS: MediaMTX's first 200 ms segment. The test prints what it measured.
RECOVERY_S = 2.0


def recovery_bound() -> float:
    """RECOVERY_S up to a 1-minute load of 4 per core (the whole suite on 2 cores runs at
    load 8), stretched in proportion beyond that: on 2 cores at load 11-15 (tests beside
    other work) the on-demand publisher's start alone took 1-2 s. Measured, 9 runs each:
    WebRTC 0.6-1.4 s at load 8-12, but 2.6-3.6 s in 3 runs at load 11-15; HLS 0.9-1.7 s,
    once 2.6 s at load 15."""
    per_core = os.getloadavg()[0] / (os.cpu_count() or 1)
    return RECOVERY_S * max(1.0, per_core / 4)
TILE0 = ".tile[data-device='camera0']"
PAGE = "#view .big"  # the camera's page

# the tile's mode and, while it plays, where its <video> is
STATE = """
const v = document.querySelector(arguments[0] + ' .picture video');
if (!v) return null;
const marks = performance.getEntriesByName('live:camera0');
const last = marks.length ? performance.timeOrigin + marks[marks.length - 1].startTime : null;
return {mode: v.closest('.picture').dataset.mode, time: v.currentTime, width: v.videoWidth,
        height: v.videoHeight, caption: v.closest('.picture').querySelector('.caption').textContent,
        played_at: last};
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WebRtcMediaMTX, ConsoleDaemon]]:
    binary = find_mediamtx()
    if binary is None:
        pytest.skip(f"no MediaMTX binary: {HOW}")
    if reason := unavailable():
        pytest.skip(reason)
    mediamtx = WebRtcMediaMTX(binary, tmp_path_factory.mktemp("mediamtx"))
    config = {**mediamtx.daemon_config, "close_after": 1}  # idle again soon after a test
    daemon = ConsoleDaemon(tmp_path_factory.mktemp("console-live"), umockdev=False, mediamtx=config)
    mediamtx.start(auth_url=f"{daemon.base}/mediamtx/auth")
    try:
        mediamtx.wait_api()
        daemon.start()
        yield mediamtx, daemon
    finally:
        daemon.stop()
        mediamtx.stop()


def camera0(mediamtx: WebRtcMediaMTX) -> dict[str, Any] | None:
    status, body = mediamtx.api("/v3/paths/list")
    assert status == 200, status
    return next((p for p in body["items"] if p["name"] == "camera0"), None)


def wait_idle(mediamtx: WebRtcMediaMTX, daemon: ConsoleDaemon) -> None:
    """Until camera0 is configured in MediaMTX and nothing publishes or reads it."""
    deadline = time.monotonic() + T
    while True:
        configured = mediamtx.api("/v3/config/paths/get/camera0")[0] == 200
        path = camera0(mediamtx)
        idle = path is None or not (path["ready"] or path["readers"])
        if configured and idle and not sessions(mediamtx):
            return
        assert time.monotonic() < deadline, f"camera0 not idle: {configured} {path}\n{daemon.log_text()}"
        time.sleep(0.1)


def state(browser: Browser, where: str = TILE0) -> dict[str, Any]:
    return browser.driver.execute_script(STATE, where) or {}


def wait_playing(browser: Browser, daemon: ConsoleDaemon, mode: str, after: float = 0.0,
                 where: str = TILE0) -> dict[str, Any]:
    """Until the picture ``where`` plays in ``mode`` (1280x720, frames advancing) with a
    "playing" mark later than ``after`` (wall time); returns its state when it first played."""
    deadline = time.monotonic() + 2 * T
    first: dict[str, Any] = {}
    while True:
        s = state(browser, where)
        if s.get("mode") == mode and s.get("width") == 1280 and s.get("height") == 720 \
                and (s.get("played_at") or 0) / 1000 > after:
            first = first or s
            if s["time"] > first["time"] + 0.5:
                return first
        assert time.monotonic() < deadline, f"not playing over {mode}: {s}\n{daemon.log_text()}"
        time.sleep(0.05)


def sign_in(browser: Browser, daemon: ConsoleDaemon) -> None:
    driver = browser.driver
    driver.get(daemon.base + "/#/cameras")
    driver.find_element("id", "token").send_keys(daemon.token("viewer"))
    driver.find_element("css selector", "#signin-form button").click()


def sessions(mediamtx: WebRtcMediaMTX) -> list[dict[str, Any]]:
    status, body = mediamtx.api("/v3/webrtcsessions/list")
    assert status == 200, status
    return list(body["items"])


def wait_no_sessions(mediamtx: WebRtcMediaMTX, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while left := sessions(mediamtx):
        assert time.monotonic() < deadline, f"WHEP sessions left: {left}"
        time.sleep(0.05)


def crash_and_return(mediamtx: WebRtcMediaMTX, browser: Browser, daemon: ConsoleDaemon, mode: str) -> float:
    """Kills MediaMTX, waits until the tile says it reconnects, starts MediaMTX again;
    returns the seconds from MediaMTX answering to the tile playing again."""
    mediamtx.kill()
    deadline = time.monotonic() + T
    while (s := state(browser)).get("mode") != "reconnecting":
        assert time.monotonic() < deadline, f"the tile did not notice: {s}"
        time.sleep(0.05)
    assert "reconnecting" in s["caption"], s
    mediamtx.start()
    mediamtx.wait_api()
    back = time.time()
    played = wait_playing(browser, daemon, mode, after=back - 0.01)
    return float(played["played_at"]) / 1000 - back


def only_mediamtx_requests(errors: list[str], mediamtx: WebRtcMediaMTX) -> list[str]:
    """The errors that are not a failed request to MediaMTX (expected while it is down)."""
    hosts = [f"127.0.0.1:{mediamtx.ports[k]}/" for k in ("webrtc", "hls")]
    return [e for e in errors if not any(h in e for h in hosts)]


def leave(b: Browser, mediamtx: WebRtcMediaMTX) -> None:
    """Unloads the page (its WHEP session ends with it: ``pagehide``); quitting Chromium
    with the page open would leave MediaMTX a session to time out."""
    b.driver.get("about:blank")
    wait_no_sessions(mediamtx)


@pytest.fixture
def browser(stack: tuple[WebRtcMediaMTX, ConsoleDaemon], tmp_path: Path) -> Iterator[Browser]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    b = Browser(tmp_path / "downloads")
    try:
        yield b
        leave(b, stack[0])
    finally:
        b.close()


@pytest.fixture
def browser_without_udp(stack: tuple[WebRtcMediaMTX, ConsoleDaemon], tmp_path: Path) -> Iterator[Browser]:
    b = Browser(tmp_path / "downloads", prefs=NO_UDP)
    try:
        yield b
        leave(b, stack[0])
    finally:
        b.close()


def test_viewer_tile_starts_the_idle_stream_and_plays_it_over_webrtc(
        stack: tuple[WebRtcMediaMTX, ConsoleDaemon], browser: Browser) -> None:
    mediamtx, daemon = stack
    wait_idle(mediamtx, daemon)
    sign_in(browser, daemon)
    wait_playing(browser, daemon, "webrtc")
    assert len(sessions(mediamtx)) == 1
    browser.driver.save_screenshot(str(ARTIFACTS / "live-webrtc.png"))
    assert not browser.errors()


def test_leaving_the_page_ends_the_whep_session(
        stack: tuple[WebRtcMediaMTX, ConsoleDaemon], browser: Browser) -> None:
    mediamtx, daemon = stack
    wait_idle(mediamtx, daemon)
    sign_in(browser, daemon)
    wait_playing(browser, daemon, "webrtc")
    browser.driver.find_element("css selector", f"{TILE0} h2 a").click()  # the camera's page
    wait_playing(browser, daemon, "webrtc", after=time.time(), where=PAGE)
    assert len(sessions(mediamtx)) == 1  # the tile's session ended, the page's began
    browser.driver.execute_script("location.hash = '#/files'")
    wait_no_sessions(mediamtx)
    assert not browser.errors()  # a DELETE after MediaMTX dropped the session answers 404


def test_webrtc_plays_again_by_itself_after_mediamtx_crashes(
        stack: tuple[WebRtcMediaMTX, ConsoleDaemon], browser: Browser) -> None:
    mediamtx, daemon = stack
    wait_idle(mediamtx, daemon)
    sign_in(browser, daemon)
    wait_playing(browser, daemon, "webrtc")
    assert not browser.errors()
    seconds = crash_and_return(mediamtx, browser, daemon, "webrtc")
    bound = recovery_bound()
    print(f"WebRTC played again {seconds:.2f} s after MediaMTX's return (bound {bound:.1f} s)")
    assert seconds < bound, f"played again {seconds:.2f} s after MediaMTX's return"
    assert not only_mediamtx_requests(browser.errors(), mediamtx)


def test_without_udp_the_tile_plays_a_fresh_hls_muxer(
        stack: tuple[WebRtcMediaMTX, ConsoleDaemon], browser_without_udp: Browser) -> None:
    mediamtx, daemon = stack
    wait_idle(mediamtx, daemon)
    assert mediamtx.api("/v3/hlsmuxers/list")[1]["items"] == []
    sign_in(browser_without_udp, daemon)
    wait_playing(browser_without_udp, daemon, "hls")
    assert "Live (HLS)" in state(browser_without_udp)["caption"]
    wait_no_sessions(mediamtx)  # the WHEP session that could not connect was ended
    browser_without_udp.driver.save_screenshot(str(ARTIFACTS / "live-hls.png"))
    assert not browser_without_udp.errors()


def test_hls_plays_again_by_itself_after_mediamtx_crashes(
        stack: tuple[WebRtcMediaMTX, ConsoleDaemon], browser_without_udp: Browser) -> None:
    mediamtx, daemon = stack
    wait_idle(mediamtx, daemon)
    sign_in(browser_without_udp, daemon)
    wait_playing(browser_without_udp, daemon, "hls")
    assert not browser_without_udp.errors()
    seconds = crash_and_return(mediamtx, browser_without_udp, daemon, "hls")
    bound = recovery_bound()
    print(f"HLS played again {seconds:.2f} s after MediaMTX's return (bound {bound:.1f} s)")
    assert seconds < bound, f"played again {seconds:.2f} s after MediaMTX's return"
    assert not only_mediamtx_requests(browser_without_udp.errors(), mediamtx)
