"""Probe emulated V4L2 nodes with the real ``v4l2.probe_device``; run under
``umockdev-wrapper``. Argument: JSON list of ``V4L2Testbed.plug`` keyword arguments.
Prints one JSON object: node -> {"info": ..., "formats": [...]} or {"error": ...}."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

from camera_service.cameras.v4l2 import probe_device
from camera_service.errors import ProbeError
from support.umockdev_v4l2 import V4L2Testbed, preloaded


def main() -> None:
    if not preloaded():
        raise SystemExit("run me under umockdev-wrapper")
    results: dict[str, object] = {}
    with V4L2Testbed() as testbed:
        for spec in json.loads(sys.argv[1]):
            node = testbed.plug(uevent=False, **spec)
            try:
                result = probe_device(node.device_node)
            except ProbeError as e:
                results[node.device_node] = {"error": str(e)}
            else:
                results[node.device_node] = {
                    "info": asdict(result.info),
                    "is_capture": result.info.is_capture,
                    "formats": [asdict(f) for f in result.capabilities.formats],
                }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
