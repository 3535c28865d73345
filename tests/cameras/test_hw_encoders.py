"""The host encoder probe with real ioctls on umockdev nodes: the Pi 4's bcm2835-codec
encoder (M2M, H.264 on its capture queue) is found; its decoder and a UVC camera that
delivers H.264 itself are not encoders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from support.monitor_process import SRC, TIMEOUT

pytestmark = pytest.mark.integration
CHILD = Path(__file__).resolve().parent.parent / "support" / "encoder_probe_child.py"


def found(specs: list[dict[str, Any]]) -> list[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), str(CHILD.parent.parent)]))
    r = subprocess.run(["umockdev-wrapper", sys.executable, str(CHILD), json.dumps(specs)],
                       capture_output=True, timeout=TIMEOUT * 2, env=env, check=False)
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    result: list[str] = json.loads(r.stdout)
    return result


def test_m2m_node_with_h264_on_its_capture_queue_is_an_encoder(require_umockdev: None) -> None:
    assert found([
        {"name": "video0"},  # C920: offers H.264 itself, but is no M2M device
        {"name": "video10", "table": "bcm2835_codec_decode.json"},
        {"name": "video11", "table": "bcm2835_codec_encode.json"},
    ]) == ["/dev/video11"]


def test_no_encoder_among_plain_cameras(require_umockdev: None) -> None:
    assert found([{"name": "video0"}, {"name": "video1", "role": "metadata"}]) == []
