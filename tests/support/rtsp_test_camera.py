#!/usr/bin/python3
"""Serve a live H.264 test pattern over RTSP: rtsp://127.0.0.1:PORT/cam0.

Copied from the shared recipe so the repository is self-contained; the changes are a
pipeline per reader (the recipe's shared media crashes the server, see below), a
non-zero exit when the port cannot be bound and, when ``RTSP_TEST_CAMERA_AUTH`` is
``user:password`` (in the environment, not on the command line), RTSP Basic auth: a reader
without that user and password gets 401; when ``RTSP_TEST_CAMERA_SCENE`` is ``ball``, the
picture is still black until SIGUSR1 sets a white ball moving on it (SIGUSR2: black again),
so a test decides when there is motion. With
``RTSP_TEST_CAMERA_CLOCK=1`` the picture is a clock instead of the test pattern (160x120 gray,
``clock_frame``): each frame shows the wall time it was made, in milliseconds, as 32 black or
white blocks (``read_clock`` in ``rtsp_server`` reads it back), so a test can tell from a
recording's frames when they were made. Run with Debian's ``/usr/bin/python3``.
"""
import os
import signal
import sys
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

Gst.init(None)
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(sys.argv[1] if len(sys.argv) > 1 else "8554")
SIZE = tuple(sys.argv[2].split("x")) if len(sys.argv) > 2 else ("640", "480")  # e.g. 1280x720
factory = GstRtspServer.RTSPMediaFactory()
SCENE = os.environ.get("RTSP_TEST_CAMERA_SCENE", "")
PATTERN = "pattern=black" if SCENE == "ball" else ""
ENCODE = " ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=15 ! rtph264pay name=pay0 pt=96 )"
CLOCK = (160, 120, 8, 4)  # width, height, blocks across, blocks down: 32 bits
sources = []  # the videotestsrc of each reader's media, once the reader made it


def pattern(name: str) -> bool:
    for src in sources:
        src.set_property("pattern", name)
    return True


def clock_frame(ms: int) -> bytes:
    """A GRAY8 frame showing ``ms`` (mod 2**32), bit 0 top left, row by row."""
    width, height, across, down = CLOCK
    bw, bh = width // across, height // down
    rows = []
    for by in range(down):
        row = b"".join((b"\xeb" if ms >> (by * across + bx) & 1 else b"\x10") * bw for bx in range(across))
        rows.append(row * bh)
    return b"".join(rows)


def push_clock(src: Gst.Element) -> bool:
    buf = Gst.Buffer.new_wrapped(clock_frame(int(time.time() * 1000) % 2**32))
    return src.emit("push-buffer", buf) == Gst.FlowReturn.OK


def clock_media(_: object, media: GstRtspServer.RTSPMedia) -> None:
    src = media.get_element().get_by_name_recurse_up("clock")
    timer = GLib.timeout_add(1000 // 15, push_clock, src)  # 15 fps, stamped as pushed
    media.connect("unprepared", lambda *_: GLib.source_remove(timer))


if os.environ.get("RTSP_TEST_CAMERA_CLOCK"):
    factory.set_launch(
        "( appsrc name=clock is-live=true do-timestamp=true format=time"
        " caps=video/x-raw,format=GRAY8,width={},height={},framerate=15/1"
        " ! videoconvert ! video/x-raw,format=I420".format(*CLOCK[:2]) + ENCODE
    )
    factory.connect("media-configure", clock_media)
else:
    factory.set_launch(
        "( videotestsrc name=src is-live=true {} ! video/x-raw,width={},height={},framerate=15/1".format(
            PATTERN, *SIZE) + ENCODE
    )
if SCENE == "ball":
    factory.connect("media-configure",
                    lambda f, media: sources.append(media.get_element().get_by_name("src")))
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGUSR1, pattern, "ball")
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGUSR2, pattern, "black")
# each reader gets a pipeline (and an encoder) of its own. A shared media, one encoder for
# all readers like a real camera, aborts Debian 12's gst-rtsp-server 1.22 when readers come
# and go quickly ("rtsp-media.c:2766:gst_rtsp_media_get_rates: assertion failed", SIGABRT:
# 6 rounds of 1-2 ffmpeg readers killed after 0-2.5 s, where own pipelines lived through
# 129); CI lost tests to the camera dying under them. A busy reader of a shared media also
# held up the others (their clocks drifted), which the ball scene needs not to happen.
factory.set_shared(False)
if os.environ.get("RTSP_TEST_CAMERA_AUTH"):
    user, _, password = os.environ["RTSP_TEST_CAMERA_AUTH"].partition(":")
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "reader")
    auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
    server.set_auth(auth)
    factory.add_role_from_structure(Gst.Structure.new_from_string(
        "reader, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"))
server.get_mount_points().add_factory("/cam0", factory)
if server.attach(None) == 0:  # the port is taken: say so instead of pretending to be ready
    sys.exit(f"cannot listen on 127.0.0.1:{server.get_service()}")
print("ready", flush=True)
GLib.MainLoop().run()
