"""Encode benchmark -> bench/results/encode.json: what a published 720p15 stream costs in
CPU, as seconds of CPU per minute of video.

Each case publishes ~20 s of 1280x720 at 15 fps over RTSP to a real receiver (ffmpeg's RTSP
demuxer in listen mode, copying to null, standing in for MediaMTX) and measures the
publisher process alone (``os.wait4`` rusage: user + system), scaled to 60 s:

- ``libx264``: the service's own test-pattern publisher command (``path_conf_for`` with
  ``video_encoder: libx264``): testsrc2 generated and encoded with x264 ultrafast/zerolatency,
  the path a MJPEG/YUYV USB camera takes on a host without a hardware encoder;
- ``copy``: an H.264 stream of the same pattern, stream-copied (``-c:v copy``), the path an
  H.264 USB camera takes (what the publisher costs when nothing is re-encoded);
- ``pattern_only``: generating testsrc2 alone, so the x264 share of ``libx264`` shows.

Run: ``PYTHONPATH=src /usr/bin/python3 bench/bench_encode.py`` (or ``make bench``).
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src")]

from camera_service.config.model import MediaMTXConfig  # noqa: E402
from camera_service.mediamtx.paths import PUBLISH_URL, path_conf_for  # noqa: E402
from camera_service.models import Camera, CameraKind, CameraMode, CameraStatus  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "encode.json"
SECONDS = 20
WIDTH, HEIGHT, FPS = 1280, 720, 15
PATTERN = Camera(id="camera0", kind=CameraKind.TEST_PATTERN, name="Test pattern",
                 status=CameraStatus.CONNECTED, mode=CameraMode("testsrc2", WIDTH, HEIGHT, FPS))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listening(port: int) -> bool:
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        if any(f[1].endswith(f":{port:04X}") and f[3] == "0A" for f in (x.split() for x in lines)):
            return True
    return False


def cpu_of(argv: list[str], limit: float) -> tuple[float, float]:
    """Run ``argv`` to its end; (CPU seconds of that process, wall seconds)."""
    started = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = started + limit
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            raise SystemExit(f"{argv[0]} overran {limit:g} s")
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{shlex.join(argv)} failed ({proc.returncode}): {err[-2000:]}")
    return usage.ru_utime + usage.ru_stime, time.monotonic() - started


def published(publisher: list[str], port: int) -> tuple[float, float]:
    """CPU and wall seconds of ``publisher`` while a real RTSP receiver takes its stream."""
    receiver = subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-rtsp_flags", "listen",
         "-timeout", "30", "-i", f"rtsp://127.0.0.1:{port}/camera0", "-c", "copy", "-f", "null", "-"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while not listening(port):
            if receiver.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the RTSP receiver did not listen")
            time.sleep(0.05)
        return cpu_of(publisher, SECONDS * 4 + 30)
    finally:
        try:
            receiver.wait(15)
        except subprocess.TimeoutExpired:
            receiver.kill()
            receiver.wait()


def x264_publisher(port: int) -> list[str]:
    """The service's own test-pattern command, limited to SECONDS of video."""
    command = path_conf_for(PATTERN, MediaMTXConfig(video_encoder="libx264"))["runOnDemand"]
    url = PUBLISH_URL.replace("$RTSP_PORT", str(port)).replace("$MTX_PATH", "camera0")
    argv = shlex.split(command.replace(PUBLISH_URL, url))
    i = argv.index("-i")
    return [*argv[:i], "-t", str(SECONDS), *argv[i:]]


def copy_publisher(source: Path, port: int) -> list[str]:
    return ["ffmpeg", "-hide_banner", "-loglevel", "warning", "-nostdin", "-re", "-i", str(source),
            "-an", "-c:v", "copy", "-f", "rtsp", "-rtsp_transport", "tcp",
            f"rtsp://127.0.0.1:{port}/camera0"]


def per_minute(cpu: float) -> float:
    return round(cpu / SECONDS * 60, 2)


def main() -> None:
    results: dict[str, object] = {
        "what": f"CPU seconds per minute of video for one published {WIDTH}x{HEIGHT}@{FPS} stream",
        "seconds_measured": SECONDS,
        "host": {"machine": platform.machine(), "cpus": os.cpu_count(),
                 "load_before": round(os.getloadavg()[0], 2)},
    }
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "pattern.mkv"  # H.264 as an H.264 camera would deliver it
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-f", "lavfi",
                        "-i", f"testsrc2=size={WIDTH}x{HEIGHT}:rate={FPS}", "-t", str(SECONDS),
                        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g",
                        str(FPS), str(source)], check=True, timeout=300)
        pattern_only = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
                        "-f", "lavfi", "-i", f"testsrc2=size={WIDTH}x{HEIGHT}:rate={FPS}",
                        "-t", str(SECONDS), "-f", "null", "-"]
        for name in ("libx264", "copy", "pattern_only"):
            port = free_port()
            if name == "libx264":
                cpu, wall = published(x264_publisher(port), port)
            elif name == "copy":
                cpu, wall = published(copy_publisher(source, port), port)
            else:
                cpu, wall = cpu_of(pattern_only, SECONDS * 4 + 30)
            results[name] = {"cpu_seconds": round(cpu, 3), "wall_seconds": round(wall, 2),
                             "cpu_seconds_per_minute": per_minute(cpu),
                             "cores_busy": round(cpu / SECONDS, 3)}
            print(f"{name:13s} {per_minute(cpu):7.2f} CPU s per minute of video "
                  f"({cpu:.2f} s over {wall:.1f} s)")
    x264 = results["libx264"]
    copy = results["copy"]
    assert isinstance(x264, dict) and isinstance(copy, dict)
    results["reencode_costs_cpu_seconds_per_minute"] = round(
        x264["cpu_seconds_per_minute"] - copy["cpu_seconds_per_minute"], 2)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
