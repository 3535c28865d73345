"""The daemon with a real MediaMTX -> bench/results/mediamtx.json.

The daemon as a process (its test-pattern camera, camera0, 1280x720) beside a real MediaMTX
set up as the Ansible role does (stream auth on: MediaMTX asks the daemon's
``/mediamtx/auth``; camera0 an on-demand path), everything asked over the WebSocket API:

- ``snapshot_live_ms``: ``take_snapshot`` round trip (operator, over the WebSocket) while a
  viewer (ffmpeg over RTSP with the viewer's stream token) keeps camera0 published, so the
  snapshot reads the live stream from MediaMTX; ``SNAPSHOTS`` runs;
- ``recording_first_byte_ms``: ``start_recording`` round trip, which answers once ffmpeg has
  put the first bytes on disk (the file is checked to be non-empty), on the same live
  stream; ``RECORDINGS`` runs, each stopped before the next;
- ``restart``: MediaMTX killed (SIGKILL, its publisher with it) and started again at once,
  as a crash or ``systemctl restart`` does; from MediaMTX's API answering again to
  ``config_back_ms`` (the daemon has given camera0's path config again),
  ``path_ready_ms`` (the on-demand publisher publishes, started by the viewer) and
  ``viewer_playing_ms`` (a viewer, ffmpeg retrying its RTSP URL with the token from before
  the restart as a player does, has decoded a frame; ffmpeg's own start is included:
  ``viewer_on_live_path_ms`` is that same ffmpeg's time to a frame on a path already
  publishing, to subtract); ``RESTARTS`` runs. Goals: path back < 1 s, a viewer playing
  < 2 s. (The console's own recovery over WebRTC/HLS is measured by
  ``tests/web/test_console_live.py``.)

Without MediaMTX (``make mediamtx`` or ``MEDIAMTX_BIN``) or ffmpeg, it writes the result
with ``skipped`` and the reason. Run: ``PYTHONPATH=src /usr/bin/python3
bench/bench_mediamtx.py`` (or ``make bench``).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from _common import ROOT, write_results

from support.console_daemon import HOW, ConsoleDaemon, WebRtcMediaMTX, find_mediamtx

RESULTS = ROOT / "bench" / "results" / "mediamtx.json"
SNAPSHOTS = 10
RECORDINGS = 5
RESTARTS = 5
TIMEOUT = 30.0
GOALS = {"config_back_ms": 1000, "viewer_playing_ms": 2000}
# a player that starts at once: no probing beyond the SDP (its SPS/PPS say the size)
FFMPEG = ("ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-probesize", "32",
          "-analyzeduration", "0", "-rtsp_transport", "tcp")


def summary(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    return {"n": len(values), "min_ms": round(values[0], 1), "median_ms": round(statistics.median(values), 1),
            "max_ms": round(values[-1], 1)}


class Rpc:
    """JSON-RPC 2.0 over the daemon's WebSocket, one call at a time; notifications skipped."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.ids = itertools.count(1)

    async def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        n = next(self.ids)
        await self.ws.send_json({"jsonrpc": "2.0", "id": n, "method": method, "params": params or {}})
        while True:
            reply = await asyncio.wait_for(self.ws.receive_json(), TIMEOUT)
            if reply.get("id") == n:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]


async def until(what: str, check: Callable[[], Awaitable[bool]], every: float = 0.02) -> float:
    """Polls ``check`` until true (bounded); returns the monotonic time it first was."""
    deadline = time.monotonic() + TIMEOUT
    while not await check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"not within {TIMEOUT} s: {what}")
        await asyncio.sleep(every)
    return time.monotonic()


async def api(mediamtx: WebRtcMediaMTX, path: str) -> tuple[int, Any]:
    return await asyncio.to_thread(mediamtx.api, path)


async def camera0_ready(mediamtx: WebRtcMediaMTX) -> bool:
    status, body = await api(mediamtx, "/v3/paths/list")
    return status == 200 and any(p["name"] == "camera0" and p["ready"] for p in body["items"])


async def config_back(mediamtx: WebRtcMediaMTX) -> bool:
    return (await api(mediamtx, "/v3/config/paths/get/camera0"))[0] == 200


async def first_frame(url: str) -> float:
    """A viewer as a player is: tries ``url`` until it decodes a frame (bounded); returns
    the monotonic time it had."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        proc = await asyncio.create_subprocess_exec(
            *FFMPEG, "-i", url, "-frames:v", "1", "-f", "null", "-",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        try:
            rc = await asyncio.wait_for(proc.wait(), TIMEOUT)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        if rc == 0:
            return time.monotonic()
        if time.monotonic() > deadline:
            raise RuntimeError(f"no frame from camera0 within {TIMEOUT} s")
        await asyncio.sleep(0.05)


async def restart_once(mediamtx: WebRtcMediaMTX, url: str) -> dict[str, float]:
    mediamtx.kill()
    mediamtx.start()
    back = await asyncio.to_thread(mediamtx.wait_api)
    config_t, ready_t, play_t = await asyncio.gather(
        until("camera0's path config back", lambda: config_back(mediamtx)),
        until("camera0 ready", lambda: camera0_ready(mediamtx)),
        first_frame(url))
    return {"config_back_ms": (config_t - back) * 1000, "path_ready_ms": (ready_t - back) * 1000,
            "viewer_playing_ms": (play_t - back) * 1000}


async def measure(daemon: ConsoleDaemon, mediamtx: WebRtcMediaMTX) -> dict[str, Any]:
    ws_url = daemon.base.replace("http", "ws", 1) + "/ws"
    async with aiohttp.ClientSession() as http, http.ws_connect(ws_url) as ws:
        rpc = Rpc(ws)
        await rpc.call("authenticate", {"auth_token": daemon.token("operator")})
        await until("camera0 configured in MediaMTX", lambda: config_back(mediamtx))
        urls = await rpc.call("get_stream_url", {"device": "camera0", "with_token": True})
        url = urls["stream_url_with_token"]
        viewer = await asyncio.create_subprocess_exec(
            *FFMPEG, "-i", url, "-f", "null", "-",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        try:
            await until("camera0 ready", lambda: camera0_ready(mediamtx))
            on_live = []
            for _ in range(RESTARTS):
                t0 = time.monotonic()
                on_live.append((await first_frame(url) - t0) * 1000)
            snapshots = []
            for _ in range(SNAPSHOTS):
                t0 = time.perf_counter()
                shot = await rpc.call("take_snapshot", {"device": "camera0"})
                snapshots.append((time.perf_counter() - t0) * 1000)
                if shot["status"] != "SUCCESS":
                    raise RuntimeError(f"snapshot failed: {shot}")
            first_bytes = []
            for _ in range(RECORDINGS):
                t0 = time.perf_counter()
                started = await rpc.call("start_recording", {"device": "camera0"})
                first_bytes.append((time.perf_counter() - t0) * 1000)
                files = list(daemon.state.rglob(started["filename"]))
                if not files or files[0].stat().st_size == 0:
                    raise RuntimeError(f"no bytes on disk when start_recording answered: {started}")
                await rpc.call("stop_recording", {"device": "camera0"})
        finally:
            viewer.terminate()
            await asyncio.wait_for(viewer.wait(), TIMEOUT)
        restarts = [await restart_once(mediamtx, url) for _ in range(RESTARTS)]
    return {
        "snapshot_live_ms": summary(snapshots),
        "viewer_on_live_path_ms": summary(on_live),
        "recording_first_byte_ms": summary(first_bytes),
        "restart": {k: summary([r[k] for r in restarts]) for k in restarts[0]},
    }


def main() -> int:
    base: dict[str, Any] = {
        "bench": "mediamtx",
        "what": "the daemon (test-pattern camera0, 1280x720) with a real MediaMTX, stream auth on, loopback",
        "host": {"cpus": os.cpu_count(), "python": platform.python_version(), "machine": platform.machine(),
                 "load_avg_1m": round(os.getloadavg()[0], 2)},
        "goals": GOALS,
    }
    binary = find_mediamtx()
    reason = (f"no MediaMTX binary: {HOW}" if binary is None
              else None if shutil.which("ffmpeg") else "no ffmpeg on PATH")
    if reason or binary is None:
        result = {**base, "skipped": reason}
    else:
        with tempfile.TemporaryDirectory(prefix="bench-mediamtx-") as tmp:
            for sub in ("mediamtx", "daemon"):
                (Path(tmp) / sub).mkdir()
            mediamtx = WebRtcMediaMTX(binary, Path(tmp) / "mediamtx")
            config = {**mediamtx.daemon_config, "close_after": 1}
            daemon = ConsoleDaemon(Path(tmp) / "daemon", umockdev=False, mediamtx=config)
            mediamtx.start(auth_url=f"{daemon.base}/mediamtx/auth")
            try:
                mediamtx.wait_api()
                daemon.start()
                measured = asyncio.run(measure(daemon, mediamtx))
            finally:
                daemon.stop()
                mediamtx.stop()
        restart = measured["restart"]
        result = {**base, "mediamtx": binary, **measured,
                  "meets_goals": {k: restart[k]["median_ms"] < v for k, v in GOALS.items()}}
    write_results(RESULTS, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
