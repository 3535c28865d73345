"""V4L2 cameras plugged and unplugged through umockdev's testbed, for tests and benches.

``V4L2Testbed`` adds ``video4linux`` devices to a umockdev testbed (sysfs, udev properties,
a ``/dev/videoN`` node), sends their ``add``/``remove`` uevents, and answers the V4L2 ioctls
on each node with ``V4L2IoctlHandler``, a ``UMockdev.IoctlBase`` that replays a capability
table from ``tests/data`` (a real camera's ``v4l2-ctl --list-formats-ext``).

It must be used in a process running under ``umockdev-wrapper`` (umockdev's
``LD_PRELOAD``): sending a uevent goes through the preloaded libudev, and the code under test
(pyudev, ``open``/``ioctl`` on ``/dev/videoN``) only sees the testbed there. The tests
therefore run ``monitor_driver.py`` under the wrapper with the testbed and the real monitor
in it, and drive it from the outside (``monitor_process.MonitorProcess``); the pytest
process itself is never preloaded.

umockdev answers the ioctls in a worker thread of that process; the monitor's ioctls run
in executor threads through ctypes, which releases the GIL, so the handler can run.
"""

from __future__ import annotations

import errno
import gc
import json
import os
import shutil
import struct
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
C920 = DATA_DIR / "logitech_c920.json"
WRAPPER = "umockdev-wrapper"

VIDIOC_QUERYCAP = 0x80685600
VIDIOC_ENUM_FMT = 0xC0405602
VIDIOC_ENUM_FRAMESIZES = 0xC02C564A
VIDIOC_ENUM_FRAMEINTERVALS = 0xC034564B
_SIZES = {VIDIOC_QUERYCAP: 104, VIDIOC_ENUM_FMT: 64, VIDIOC_ENUM_FRAMESIZES: 44,
          VIDIOC_ENUM_FRAMEINTERVALS: 52}  # fmt: skip


def available() -> str | None:
    """``None`` when umockdev can run here, else why not (for ``pytest.skip``). Checked in a
    child process, so the caller never imports GObject introspection itself."""
    if shutil.which(WRAPPER) is None:
        return "umockdev-wrapper not found: apt-get install umockdev gir1.2-umockdev-1.0"
    probe = ("import gi; gi.require_version('UMockdev', '1.0'); "
             "from gi.repository import UMockdev; UMockdev.Testbed.new()")
    try:
        r = subprocess.run([WRAPPER, sys.executable, "-c", probe], capture_output=True,
                           timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"cannot run {WRAPPER}: {e}"
    if r.returncode != 0:
        why = r.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["?"]
        return (f"UMockdev does not work here ({why[0]}): "
                "apt-get install umockdev gir1.2-umockdev-1.0 python3-gi")
    return None


def preloaded() -> bool:
    """Whether this process runs under umockdev's ``LD_PRELOAD``."""
    return "libumockdev-preload" in os.environ.get("LD_PRELOAD", "")


def fourcc(name: str) -> int:
    return int.from_bytes(name.ljust(4).encode("latin-1")[:4], "little")


@dataclass
class CapabilityTable:
    """A camera's V4L2 answers, loaded from a ``tests/data`` JSON table."""

    querycap: dict[str, Any]
    formats: list[dict[str, Any]]
    udev: dict[str, Any]
    source: str = ""
    buffer_type: int = 1  # the queue ENUM_FMT lists: 1 capture, 9 capture-mplane (M2M nodes)

    @classmethod
    def load(cls, path: Path = C920) -> CapabilityTable:
        data = json.loads(Path(path).read_text())
        return cls(data["querycap"], data["formats"], data.get("udev", {}), data.get("source", ""),
                   data.get("buffer_type", 1))

    # -- answers: (errno, bytes) --------------------------------------------------------
    def answer_querycap(self, role: str) -> bytes:
        q = self.querycap
        buf = bytearray(104)
        struct.pack_into("16s32s32sIII", buf, 0, q["driver"].encode(), q["card"].encode(),
                         q["bus_info"].encode(), q["version"], q["capabilities"],
                         q["device_caps"][role])
        return bytes(buf)

    def _format(self, code: int) -> dict[str, Any] | None:
        return next((f for f in self.formats if fourcc(f["fourcc"]) == code), None)

    def enum_fmt(self, request: bytes) -> tuple[int, bytes]:
        index, buf_type = struct.unpack_from("II", request)
        if buf_type != self.buffer_type or index >= len(self.formats):
            return errno.EINVAL, request
        f = self.formats[index]
        out = bytearray(64)
        struct.pack_into("III32sI", out, 0, index, buf_type, f["flags"],
                         f["description"].encode(), fourcc(f["fourcc"]))
        return 0, bytes(out)

    def enum_framesizes(self, request: bytes) -> tuple[int, bytes]:
        index, code = struct.unpack_from("II", request)
        f = self._format(code)
        if f is None or index >= len(f.get("sizes", [None])):
            return errno.EINVAL, request
        out = bytearray(44)
        if "stepwise" in f:  # one entry describes the whole range
            if index > 0:
                return errno.EINVAL, request
            r = f["stepwise"]
            struct.pack_into("IIIIIIIII", out, 0, index, code, 3, r["min_width"], r["max_width"],
                             r["step_width"], r["min_height"], r["max_height"], r["step_height"])
            return 0, bytes(out)
        size = f["sizes"][index]
        struct.pack_into("IIIII", out, 0, index, code, 1, size["width"], size["height"])
        return 0, bytes(out)

    def enum_frameintervals(self, request: bytes) -> tuple[int, bytes]:
        index, code, width, height = struct.unpack_from("IIII", request)
        f = self._format(code)
        if f is not None and "interval_range" in f:  # continuous: one entry
            r, s = f["interval_range"], f["stepwise"]
            inside = (s["min_width"] <= width <= s["max_width"]
                      and s["min_height"] <= height <= s["max_height"])
            if index > 0 or not inside:
                return errno.EINVAL, request
            out = bytearray(52)
            struct.pack_into("IIIIIIIIIII", out, 0, index, code, width, height, 2,
                             *r["min"], *r["max"], *r["step"])
            return 0, bytes(out)
        size = None if f is None else next(
            (s for s in f["sizes"] if (s["width"], s["height"]) == (width, height)), None)
        if size is None or index >= len(size["intervals"]):
            return errno.EINVAL, request
        num, den = size["intervals"][index]
        out = bytearray(52)
        struct.pack_into("IIIIIII", out, 0, index, code, width, height, 1, num, den)
        return 0, bytes(out)


def _make_handler_class() -> type:
    import gi

    gi.require_version("UMockdev", "1.0")
    from gi.repository import UMockdev

    class V4L2IoctlHandler(UMockdev.IoctlBase):  # type: ignore[misc]
        """Answers V4L2 ioctls from a ``CapabilityTable``; ``fail`` makes every ioctl fail
        with that errno (a broken device); ``hang`` leaves every ioctl unanswered (a wedged
        driver) until ``release()``."""

        def __init__(self, table: CapabilityTable, role: str, fail: int = 0,
                     hang: bool = False) -> None:
            super().__init__()
            self.table = table
            self.role = role
            self.fail = fail
            self.hang = hang
            self.held: list[Any] = []  # the callers left waiting by a hanging node
            self.gone = False  # unplugged: every ioctl fails with ENODEV, as the kernel does
            self.calls = 0

        def release(self) -> None:
            """Answer every held ioctl with EIO (before the handler may be detached)."""
            held, self.held = self.held, []
            for client in held:
                client.complete(-1, errno.EIO)

        def do_handle_ioctl(self, client: Any) -> bool:
            self.calls += 1
            if self.hang:
                self.held.append(client)
                return True
            request = client.get_request()
            size = _SIZES.get(request)
            if self.gone or self.fail or size is None:
                client.complete(-1, errno.ENODEV if self.gone else (self.fail or errno.ENOTTY))
                return True
            data = client.get_arg().resolve(0, size)
            incoming = bytes(data.retrieve())
            if request == VIDIOC_QUERYCAP:
                err, out = 0, self.table.answer_querycap(self.role)
            elif request == VIDIOC_ENUM_FMT:
                err, out = self.table.enum_fmt(incoming)
            elif request == VIDIOC_ENUM_FRAMESIZES:
                err, out = self.table.enum_framesizes(incoming)
            else:
                err, out = self.table.enum_frameintervals(incoming)
            if err:
                client.complete(-1, err)
            else:
                data.update(0, out)
                client.complete(0, 0)
            return True

    return V4L2IoctlHandler


@dataclass
class Node:
    name: str  # video0
    sys_path: str
    role: str
    handler: Any
    properties: dict[str, str] = field(default_factory=dict)

    @property
    def device_node(self) -> str:
        return f"/dev/{self.name}"


class V4L2Testbed:
    """A umockdev testbed holding V4L2 nodes. Use as a context manager; ``close()`` removes
    the testbed (and its ``UMOCKDEV_DIR``)."""

    def __init__(self, table: CapabilityTable | None = None) -> None:
        import gi

        gi.require_version("UMockdev", "1.0")
        from gi.repository import UMockdev

        self.table = table or CapabilityTable.load()
        self._testbed: Any = UMockdev.Testbed.new()
        self._handler_class = _make_handler_class()
        self.root = Path(self._testbed.get_root_dir())
        self.nodes: dict[str, Node] = {}
        self._handlers: dict[str, Any] = {}  # name -> handler, kept attached for good
        self.uevents_sent = 0

    def plug(
        self,
        name: str,
        serial: str | None = "8B1F2A3F",
        role: str = "capture",
        fail: int = 0,
        hang: bool = False,
        id_path: str = "pci-0000:00:14.0-usb-0:5:1.0",
        uevent: bool = True,
        extra: dict[str, str] | None = None,
        table: str | None = None,
        sysfs_name: str | None = None,
    ) -> Node:
        """Add ``/dev/<name>`` (a capture or metadata node of a C920-like camera); umockdev
        (0.17, Debian 12) sends its ``add`` uevent from ``add_device`` itself. As with a real
        camera (devtmpfs creates ``/dev/videoN`` before udev announces it), the node exists
        and answers ioctls before that. ``uevent=False`` (a node present before the code
        under test starts, or an event to be lost) cannot hold that uevent back: only code
        not yet listening misses it. ``serial=None`` gives a camera without a serial number;
        ``sysfs_name`` replaces the ``name`` attribute (default: the QUERYCAP card; ``""``:
        none)."""
        if name in self.nodes:
            raise ValueError(f"{name} is already plugged")
        answers = CapabilityTable.load(DATA_DIR / table) if table else self.table
        udev = answers.udev
        props = {
            "DEVNAME": f"/dev/{name}",
            "ID_PATH": id_path,
            "ID_V4L_CAPABILITIES": udev.get("ID_V4L_CAPABILITIES", {}).get(role, ":capture:"),
            "ID_V4L_VERSION": "2",
        }
        for key in ("ID_V4L_PRODUCT", "ID_VENDOR_ID", "ID_MODEL_ID", "ID_MODEL", "ID_USB_INTERFACE_NUM",
                    "ID_PATH"):
            if key in udev:
                props[key] = udev[key]
        if table:  # not the C920: no made-up USB serial
            serial = None
        if serial is not None:
            props["ID_SERIAL"] = f"046d_HD_Pro_Webcam_C920_{serial}"
            props["ID_SERIAL_SHORT"] = serial
        elif not table:
            props["ID_SERIAL"] = "046d_HD_Pro_Webcam_C920"
        props.update(extra or {})
        index = name.removeprefix("video")
        minor = int(index) if index.isdigit() else 200
        attributes = ["index", "0" if role == "capture" else "1", "dev", f"81:{minor}"]
        name_attr = answers.querycap["card"] if sysfs_name is None else sysfs_name
        if name_attr:  # "": a node whose sysfs says nothing about it
            attributes += ["name", name_attr]
        flat_props = [x for kv in props.items() for x in kv]
        (self.root / "dev").mkdir(exist_ok=True)
        (self.root / "dev" / name).touch()
        # A handler stays attached after an unplug (answering ENODEV): detaching it while
        # the code under test is in an ioctl would make umockdev's preload abort that process.
        handler = self._handlers.get(name)
        if handler is None:
            handler = self._handler_class(answers, role, fail, hang)
            if not self._testbed.attach_ioctl(f"/dev/{name}", handler):
                raise RuntimeError(f"umockdev refused to attach an ioctl handler to /dev/{name}")
            self._handlers[name] = handler
        else:
            handler.release()
            handler.table, handler.role, handler.fail, handler.gone = answers, role, fail, False
            handler.hang = hang
        sys_path = self._testbed.add_device("video4linux", name, None, attributes, flat_props)
        node = Node(name, sys_path, role, handler, props)
        self.nodes[name] = node
        self.uevents_sent += 1
        return node

    def add_record(self, path: Path) -> list[str]:
        """Add the devices of a ``umockdev-record`` file (``tests/data/*.umockdev``: the
        sysfs/udev view of a whole machine, such as a Raspberry Pi's camera pipeline) without
        ioctl answers; returns their sys paths. For devices present before the code under
        test starts."""
        text = Path(path).read_text()
        record = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
        if not self._testbed.add_from_string(record + "\n"):
            raise RuntimeError(f"umockdev refused {path}")
        return [f"/sys{line[3:]}" for line in text.splitlines() if line.startswith("P: ")]

    def remove_record_device(self, sys_path: str, uevent: bool = True) -> None:
        """Unplug one device added by ``add_record`` (``uevent=False``: its ``remove``
        uevent is lost)."""
        if uevent:
            self._testbed.uevent(sys_path, "remove")
            self.uevents_sent += 1
        self._testbed.remove_device(sys_path)

    def unplug(self, name: str, uevent: bool = True) -> None:
        node = self.nodes.pop(name)
        node.handler.gone = True
        if uevent:
            self._testbed.uevent(node.sys_path, "remove")
            self.uevents_sent += 1
        self._testbed.remove_device(node.sys_path)
        (self.root / "dev" / name).unlink(missing_ok=True)

    def ioctl_calls(self) -> dict[str, int]:
        """How many ioctls each node's handler has answered since it was first plugged."""
        return {name: handler.calls for name, handler in self._handlers.items()}

    def close(self) -> None:
        for handler in self._handlers.values():
            handler.release()
        for name in list(self.nodes):
            self.unplug(name, uevent=False)
        for name in self._handlers:
            self._testbed.detach_ioctl(f"/dev/{name}")
        self._handlers.clear()
        self._testbed = None
        gc.collect()  # the testbed's finalizer removes its directory and UMOCKDEV_DIR

    def __enter__(self) -> V4L2Testbed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
