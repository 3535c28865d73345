"""The console's live view with a real MediaMTX (suite ``mediamtx``): the test-pattern tile's
``<video>`` plays camera0 over WebRTC (WHEP with the API's bearer token), 1280x720, frames
advancing. Skipped, saying how to get MediaMTX, where there is none (``make mediamtx`` or
``MEDIAMTX_BIN``)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.browser import Browser, unavailable
from support.console_daemon import HOW, ConsoleDaemon, WebRtcMediaMTX, find_mediamtx

pytestmark = pytest.mark.mediamtx

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS", ROOT / ".artifacts" / "browser"))
T = 30.0


@pytest.fixture(scope="module")
def mediamtx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    binary = find_mediamtx()
    if binary is None:
        pytest.skip(f"no MediaMTX binary: {HOW}")
    if reason := unavailable():
        pytest.skip(reason)
    server = WebRtcMediaMTX(binary, tmp_path_factory.mktemp("mediamtx")).start()
    try:
        yield server.daemon_config
    finally:
        server.stop()


@pytest.fixture(scope="module")
def daemon(mediamtx: dict[str, object], tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleDaemon]:
    d = ConsoleDaemon(tmp_path_factory.mktemp("console-live"), umockdev=False, mediamtx=mediamtx).start()
    try:
        yield d
    finally:
        d.stop()


def test_tile_plays_camera0_over_webrtc_at_1280x720(daemon: ConsoleDaemon, tmp_path: Path) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser = Browser(tmp_path / "downloads")
    try:
        driver = browser.driver
        driver.get(daemon.base + "/#/cameras")
        driver.find_element("id", "token").send_keys(daemon.token("viewer"))
        driver.find_element("css selector", "#signin-form button").click()
        video = ".tile[data-device='camera0'] video"
        deadline = time.monotonic() + 2 * T
        script = ("const v = document.querySelector(arguments[0]);"
                  "return v && v.closest('.picture').dataset.mode === 'webrtc' && v.videoWidth === 1280"
                  " && v.videoHeight === 720 && v.currentTime")
        first = None
        while not first:
            assert time.monotonic() < deadline, f"no WebRTC picture\n{daemon.log_text()}"
            first = driver.execute_script(script, video)
            time.sleep(0.1)
        while driver.execute_script(script, video) <= first + 0.5:
            assert time.monotonic() < deadline, "WebRTC frames do not advance"
            time.sleep(0.1)
        driver.save_screenshot(str(ARTIFACTS / "live-webrtc.png"))
        errors = browser.errors()
        assert not errors, errors
    finally:
        browser.close()
