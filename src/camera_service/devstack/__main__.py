"""``python3 -m camera_service.devstack --config etc/dev.yaml``: what ``make run`` runs.

Where a MediaMTX binary exists (``MEDIAMTX_BIN``, PATH, or ``.cache/mediamtx/mediamtx`` from
``make mediamtx``) it starts MediaMTX beside the service, configured as the Ansible role
configures it (``mediamtx_config``: stream auth through the service, loopback only), so
the console plays live video. Ctrl-C (SIGINT) or SIGTERM stops both: the service first,
then MediaMTX (terminate, wait, kill). Without a binary it says so in one line and runs
the service alone, as before. The exit status is the service's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType

from ..config import load_config
from ..errors import ConfigError
from .mediamtx_config import RTP_PORT, WEBRTC_UDP_PORT, render_role
from .mediamtx_process import find_mediamtx, stop_process, stop_session

STOP_TIMEOUT = 10.0
EX_CONFIG = 78


def _stop(proc: subprocess.Popen[bytes], name: str, session: bool = False) -> None:
    if (stop_session if session else stop_process)(proc, STOP_TIMEOUT):
        print(f"devstack: {name} did not stop within {STOP_TIMEOUT:g}s: killed", file=sys.stderr)


def run(config_path: str, webrtc_udp_port: int = WEBRTC_UDP_PORT, rtp_port: int = RTP_PORT) -> int:
    service_cmd = [sys.executable, "-m", "camera_service", "--config", config_path]
    binary, where = find_mediamtx()
    if binary is None:
        print(f"devstack: {where}: running the service alone (no live streams)", flush=True)
        os.execv(sys.executable, service_cmd)
    try:
        cfg = load_config(Path(config_path))
    except ConfigError as e:
        print(f"devstack: {e}", file=sys.stderr)
        return EX_CONFIG
    folder = Path(tempfile.mkdtemp(prefix="camera-service-devstack-"))
    (folder / "mediamtx.yml").write_text(render_role(cfg, webrtc_udp_port, rtp_port),
                                         encoding="utf-8")
    print(f"devstack: MediaMTX {binary} (from {where}) on 127.0.0.1, RTSP {cfg.mediamtx.rtsp_port}, "
          f"WebRTC {cfg.mediamtx.webrtc_port}, HLS {cfg.mediamtx.hls_port}; stream auth by the "
          f"service; config {folder / 'mediamtx.yml'}", flush=True)
    # SIGINT/SIGTERM: stop the children in order ourselves (they ignore the terminal's SIGINT:
    # each runs in a session of its own)
    stopping: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    mediamtx = subprocess.Popen([binary, str(folder / "mediamtx.yml")], cwd=folder,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    service = subprocess.Popen(service_cmd, stdin=subprocess.DEVNULL, start_new_session=True)
    reported = False
    try:
        while not stopping and service.poll() is None:
            if not reported and mediamtx.poll() is not None:
                print(f"devstack: MediaMTX exited ({mediamtx.returncode}); the service runs on "
                      "without it", file=sys.stderr, flush=True)
                reported = True
            time.sleep(0.2)
    finally:
        _stop(service, "the service")
        _stop(mediamtx, "MediaMTX", session=True)  # and its runOnDemand publishers
        shutil.rmtree(folder, ignore_errors=True)
    return service.returncode if service.returncode is not None else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m camera_service.devstack")
    parser.add_argument("--config", default="etc/dev.yaml")
    parser.add_argument("--webrtc-udp-port", type=int, default=WEBRTC_UDP_PORT,
                        help="MediaMTX's WebRTC ICE port (UDP, loopback)")
    parser.add_argument("--rtp-port", type=int, default=RTP_PORT,
                        help="MediaMTX's RTSP/UDP RTP port (RTCP: the next one)")
    args = parser.parse_args(argv)
    return run(args.config, args.webrtc_udp_port, args.rtp_port)


if __name__ == "__main__":
    sys.exit(main())
