"""The real host encoder probe (``cameras.hw_encoders.m2m_h264_nodes``) over emulated V4L2
nodes; run under ``umockdev-wrapper``. Argument: JSON list of ``V4L2Testbed.plug`` keyword
arguments. Prints the JSON list of nodes found to encode H.264."""

from __future__ import annotations

import json
import sys

from camera_service.cameras.hw_encoders import m2m_h264_nodes
from support.umockdev_v4l2 import V4L2Testbed, preloaded


def main() -> None:
    if not preloaded():
        raise SystemExit("run me under umockdev-wrapper")
    with V4L2Testbed() as testbed:
        for spec in json.loads(sys.argv[1]):
            testbed.plug(uevent=False, **spec)
        print(json.dumps(m2m_h264_nodes()))


if __name__ == "__main__":
    main()
