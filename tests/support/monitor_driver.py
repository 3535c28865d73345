"""Runs the real ``CameraMonitor`` in a process of its own, driven by JSON commands.

Started by ``support.monitor_process.MonitorProcess``: under ``umockdev-wrapper`` with a
``V4L2Testbed`` in this same process (``"umockdev": true``), or plainly on real hardware.
Argument: a JSON object with ``cameras`` (fields of ``CamerasConfig``; ``network`` and
``test_pattern`` as objects), ``state_dir``, ``umockdev``, ``initial`` (nodes plugged before
the monitor starts, as keyword arguments of ``V4L2Testbed.plug``) and ``monitor``
(``false``: the testbed only, for a service in another process run under
``umockdev-wrapper`` with ``UMOCKDEV_DIR`` set to the ``root`` given in ``ready``).

stdin, one JSON command per line: ``{"op": "plug", ...plug kwargs}``, ``{"op": "unplug",
"name": ...}``, ``{"op": "snapshot"}`` (report once the monitor has settled), ``{"op":
"quit"}``. stdout, one JSON object per line: ``ready``, ``event`` (every registry event,
with ``t`` = monotonic time), ``done`` (a testbed command, with ``t`` taken just before its
uevent was sent), ``snapshot`` (with the ioctls each emulated node has answered so far),
``error``, ``stopped``. Logs go to stderr.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import time
from dataclasses import asdict
from pathlib import Path
from types import MappingProxyType
from typing import Any

from camera_service.cameras.identity import IdentityStore
from camera_service.cameras.monitor import CameraMonitor
from camera_service.cameras.registry import CameraRegistry
from camera_service.config.model import (
    CamerasConfig,
    CsiCameraConfig,
    NetworkCameraConfig,
    TestPatternConfig,
)
from camera_service.models import Camera, CameraEvent

DATA = Path(__file__).resolve().parent.parent / "data"


def camera_json(camera: Camera) -> dict[str, Any]:
    data = asdict(camera)
    data["kind"] = camera.kind.value
    data["status"] = camera.status.value
    data.pop("capabilities", None)
    data["formats"] = camera.capabilities.format_names
    data["resolutions"] = camera.capabilities.resolutions
    data["fps_options"] = camera.capabilities.fps_options
    return data


def build_config(raw: dict[str, Any]) -> CamerasConfig:
    raw = dict(raw)
    if "network" in raw:
        raw["network"] = tuple(NetworkCameraConfig(**n) for n in raw["network"])
    if "test_pattern" in raw:
        raw["test_pattern"] = TestPatternConfig(**raw["test_pattern"])
    for key in ("include", "exclude"):
        if key in raw:
            raw[key] = tuple(raw[key])
    if "names" in raw:
        raw["names"] = MappingProxyType(dict(raw["names"]))
    if "csi" in raw:
        raw["csi"] = MappingProxyType({k: CsiCameraConfig(**v) for k, v in raw["csi"].items()})
    return CamerasConfig(**raw)


def emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def wait_for_uevent(monitor: CameraMonitor, last_sent: tuple[str, str, int] | None,
                          limit: float = 10.0) -> None:
    """Until the monitor has read the last uevent sent (bounded): uevents arrive in order,
    so it has then read every earlier one too."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while last_sent is not None and loop.time() < deadline:
        seen = monitor.last_uevent
        if (monitor.uevents_received > last_sent[2] and seen is not None
                and (seen.sys_path, seen.action) == last_sent[:2]):
            return
        await asyncio.sleep(0.001)


async def main(args: dict[str, Any]) -> None:
    testbed = None
    if args.get("umockdev"):
        from support.umockdev_v4l2 import V4L2Testbed, preloaded

        if not preloaded():
            raise SystemExit("run me under umockdev-wrapper")
        testbed = V4L2Testbed()
        for record in args.get("records", []):  # whole machines (tests/data/*.umockdev)
            testbed.add_record(DATA / record)
        for node in args.get("initial", []):
            testbed.plug(uevent=False, **node)

    registry = CameraRegistry()

    def on_event(event: CameraEvent) -> None:
        emit({"type": "event", "kind": event.kind.value, "camera": camera_json(event.camera),
              "t": time.monotonic()})

    registry.subscribe(on_event)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    last_sent: tuple[str, str, int] | None = None  # sys_path, action, uevents read before
    try:
        async with contextlib.AsyncExitStack() as stack:
            monitor = None
            if args.get("monitor", True):
                monitor = await stack.enter_async_context(CameraMonitor(
                    build_config(args.get("cameras", {})), registry,
                    IdentityStore(Path(args["state_dir"]) / "cameras.json")))
            emit({"type": "ready", "cameras": [camera_json(c) for c in registry.cameras()],
                  "root": str(testbed.root) if testbed else None})
            while line := (await reader.readline()).decode().strip():
                command = json.loads(line)
                op = command.pop("op")
                if op == "quit":
                    break
                if op == "resync" and monitor is not None:
                    await monitor.resync()
                    emit({"type": "done", "op": op, "t": time.monotonic()})
                elif op == "snapshot" and monitor is not None:
                    await wait_for_uevent(monitor, last_sent)
                    await monitor.settle()
                    emit({"type": "snapshot",
                          "cameras": [camera_json(c) for c in registry.cameras()],
                          "health": asdict(registry.health()),
                          "ioctls": testbed.ioctl_calls() if testbed else {}})
                elif testbed is not None and op == "remove_device":
                    testbed.remove_record_device(command["sys_path"], command.get("uevent", True))
                    if command.get("uevent", True):
                        last_sent = (command["sys_path"], "remove",
                                     monitor.uevents_received if monitor else 0)
                    emit({"type": "done", "op": op, "t": time.monotonic(), **command})
                    await asyncio.sleep(0)
                elif testbed is not None and op in ("plug", "unplug"):
                    received_before = monitor.uevents_received if monitor else 0
                    t = time.monotonic()
                    try:
                        if op == "plug":
                            node = testbed.plug(**command)
                            sys_path, action = node.sys_path, "add"
                        else:
                            sys_path, action = testbed.nodes[command["name"]].sys_path, "remove"
                            testbed.unplug(**command)
                        if action == "add" or command.get("uevent", True):
                            # umockdev's add_device announces a node even with uevent=False
                            last_sent = (sys_path, action, received_before)
                    except (ValueError, KeyError, RuntimeError) as e:
                        emit({"type": "error", "op": op, "error": repr(e)})
                    else:
                        emit({"type": "done", "op": op, "t": t, **command})
                    # let the loop read the uevent (a burst of commands would otherwise
                    # fill the emulated netlink socket before the monitor gets to run)
                    await asyncio.sleep(0)
                else:
                    emit({"type": "error", "op": op, "error": "unknown command"})
    finally:
        if testbed is not None:
            testbed.close()
    emit({"type": "stopped"})


if __name__ == "__main__":
    ARGS = json.loads(sys.argv[1])
    logging.basicConfig(level=ARGS.get("log_level", "INFO"), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(main(ARGS))
