"""The console's recovery after a MediaMTX crash, for ``bench_console.py``: a viewer's tile
plays camera0 (over WebRTC, or over HLS in a Chromium allowed no UDP); MediaMTX is killed
(SIGKILL, its on-demand publisher with it) and, once the tile says it reconnects, started
again. Measured: MediaMTX's API answering again -> the tile playing again (its ``live:camera0``
performance mark), ``RUNS`` times per mode; goal < 2 s. Also the steps of each run, from
the same start: the path configured again (``path_ms``, the service restored it), the
stream ready (``ready_ms``, the on-demand publisher publishes) — both polled every 20 ms
from MediaMTX's API, so within 20 ms.
"""

from __future__ import annotations

import statistics
import threading
import time
from pathlib import Path
from typing import Any

from support.browser import NO_UDP, Browser
from support.console_daemon import ConsoleDaemon, WebRtcMediaMTX

RUNS = 5
TIMEOUT = 30.0
GOAL_MS = 2000

STATE = """
const p = document.querySelector(".tile[data-device='camera0'] .picture");
const marks = performance.getEntriesByName('live:camera0');
const last = marks.length ? performance.timeOrigin + marks[marks.length - 1].startTime : null;
return p ? {mode: p.dataset.mode, played_at: last} : {};
"""


def _until(check: Any, what: str) -> Any:
    deadline = time.monotonic() + TIMEOUT
    while not (value := check()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"not within {TIMEOUT}s: {what}")
        time.sleep(0.02)
    return value


class _PathWatch(threading.Thread):
    """Polls MediaMTX's paths/list: when camera0 is first configured and first ready."""

    def __init__(self, mediamtx: WebRtcMediaMTX) -> None:
        super().__init__(daemon=True)
        self.mediamtx = mediamtx
        self.seen: dict[str, float] = {}
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            status, body = self.mediamtx.api("/v3/paths/list")
            path = next((p for p in (body or {}).get("items", []) if p["name"] == "camera0"), None)
            if status == 200 and path is not None:
                self.seen.setdefault("path", time.time())
                if path["ready"]:
                    self.seen.setdefault("ready", time.time())
            time.sleep(0.02)


def _once(mediamtx: WebRtcMediaMTX, driver: Any, mode: str) -> dict[str, float]:
    mediamtx.kill()
    _until(lambda: driver.execute_script(STATE).get("mode") == "reconnecting", "tile reconnecting")
    mediamtx.start()
    watch = _PathWatch(mediamtx)
    watch.start()
    try:
        mediamtx.wait_api()
        back = time.time()

        def played() -> float | None:
            s = driver.execute_script(STATE)
            at = (s.get("played_at") or 0) / 1000
            return at if s.get("mode") == mode and at > back else None

        at = float(_until(played, f"playing over {mode} again"))
    finally:
        watch.done.set()
        watch.join()
    steps = {f"{k}_ms": (v - back) * 1000 for k, v in watch.seen.items()}
    return {"played_ms": (at - back) * 1000, **steps}


def _summary(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "median_ms": round(statistics.median(values), 1),
            "max_ms": round(max(values), 1)}


def recovery(mediamtx: WebRtcMediaMTX, daemon: ConsoleDaemon, tmp: Path, mode: str,
             runs: int = RUNS) -> dict[str, Any]:
    """``runs`` crashes with one viewer's tile playing over ``mode`` (webrtc or hls)."""
    browser = Browser(tmp / f"recovery-{mode}", prefs=NO_UDP if mode == "hls" else None)
    try:
        driver = browser.driver
        driver.get(daemon.base + "/#/cameras")
        driver.find_element("id", "token").send_keys(daemon.token("viewer"))
        driver.find_element("css selector", "#signin-form button").click()
        _until(lambda: driver.execute_script(STATE).get("mode") == mode, f"playing over {mode}")
        results = [_once(mediamtx, driver, mode) for _ in range(runs)]
        driver.get("about:blank")  # leave: the WHEP session ends
    finally:
        browser.close()
    keys = sorted({k for r in results for k in r})
    return {k.removesuffix("_ms"): _summary([r[k] for r in results if k in r]) for k in keys}
