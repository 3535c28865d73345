"""Probe emulated V4L2 nodes with the real ``v4l2.probe_device``; run under
``umockdev-wrapper``. Argument: JSON list of ``V4L2Testbed.plug`` keyword arguments.
Prints one JSON object: node -> {"info": ..., "formats": [...], "ioctls": N} or
{"error": ...}. A spec with ``"reprobe": true`` also probes the node again, once knowing
the first result (``"reprobe"``: reused?, ioctls, same capabilities?) and once knowing a
result whose fingerprint no longer matches (``"stale"``)."""

from __future__ import annotations

import dataclasses
import json
import sys
from dataclasses import asdict
from typing import Any

from camera_service.cameras.v4l2 import ProbeResult, probe_device
from camera_service.errors import ProbeError
from support.umockdev_v4l2 import V4L2Testbed, preloaded


def again(node: Any, first: ProbeResult, fingerprint: Any) -> dict[str, Any]:
    before = node.handler.calls
    second = probe_device(node.device_node, (fingerprint, first.capabilities))
    return {"reused": second.reused, "ioctls": node.handler.calls - before,
            "same": second.capabilities == first.capabilities}


def main() -> None:
    if not preloaded():
        raise SystemExit("run me under umockdev-wrapper")
    results: dict[str, object] = {}
    with V4L2Testbed() as testbed:
        for spec in json.loads(sys.argv[1]):
            reprobe = spec.pop("reprobe", False)
            node = testbed.plug(uevent=False, **spec)
            try:
                result = probe_device(node.device_node)
            except ProbeError as e:
                results[node.device_node] = {"error": str(e)}
                continue
            entry: dict[str, Any] = {
                "info": asdict(result.info),
                "is_capture": result.info.is_capture,
                "formats": [asdict(f) for f in result.capabilities.formats],
                "ioctls": node.handler.calls,
            }
            if reprobe and result.fingerprint is not None:
                entry["reprobe"] = again(node, result, result.fingerprint)
                moved = dataclasses.replace(result.fingerprint, info=dataclasses.replace(
                    result.fingerprint.info, bus_info="usb-0000:00:14.0-9"))
                entry["stale"] = again(node, result, moved)
            results[node.device_node] = entry
    print(json.dumps(results))


if __name__ == "__main__":
    main()
