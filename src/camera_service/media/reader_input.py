"""How ffmpeg opens a camera URL without the URL's password on its command line.

Every local user can read ``/proc/<pid>/cmdline``. A reader URL that carries credentials
(MediaMTX's internal reader account, or a network camera's own ``user:password@``) therefore
reaches ffmpeg in an ffconcat script on its stdin: the command line says only
``-f concat -safe 0 ... -i pipe:0``, and the script, kept in a pipe and never in a file,
names the camera and its input options (``option rtsp_transport tcp``, the socket timeout,
the probe sizes). The concat demuxer hands on the camera's packets as they are (its first
and only file starts at 0, so timestamps stay the camera's own). URLs without credentials
(plain RTSP, the lavfi test pattern, files) keep their direct ``-i URL``. ffmpeg still
prints its input URL in errors: ``redact_userinfo`` takes the credentials out of its lines.
Pure functions.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .. import ffconcat
from ..errors import FFmpegError
from ..ffconcat import PROTOCOLS, SCRIPT_INPUT
from ..models import LAVFI_PREFIX

# the script must fit in a pipe that nobody reads yet: one page is the least Linux gives
MAX_SCRIPT = 4096
_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@]*@")


def carries_credentials(url: str) -> bool:
    """True for a URL with a ``user[:password]@`` part (a file path with an ``@`` is not)."""
    if url.startswith(LAVFI_PREFIX):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return bool(parts.scheme) and parts.netloc.rpartition("@")[0] != ""


def probe_options(fast_probe: bool) -> list[tuple[str, str]]:
    """A short probe so the first frame is fast: ``fast_probe`` (0.1 s) suits decoding (a
    snapshot: the decoder learns the size from the first key frame); stream copy keeps 0.5 s
    so every stream's parameters are known before the container header is written."""
    if fast_probe:
        return [("analyzeduration", "100000"), ("probesize", "32768")]
    return [("analyzeduration", "500000"), ("probesize", "500000")]


def input_options(url: str, io_timeout: float, fast_probe: bool) -> list[tuple[str, str]]:
    """Input options for a live camera URL: the probe, RTSP over TCP and a socket I/O timeout
    so a stalled stream ends ffmpeg instead of hanging it."""
    options = probe_options(fast_probe)
    if url.startswith(("rtsp://", "rtsps://")):
        options += [("rtsp_transport", "tcp"), ("timeout", str(int(io_timeout * 1_000_000)))]
    return options


def concat_script(url: str, options: list[tuple[str, str]]) -> bytes:
    """An ffconcat script that opens ``url`` with ``options``, at most ``MAX_SCRIPT`` bytes."""
    try:
        script = ffconcat.script(url, options).encode()
    except ValueError as e:
        raise FFmpegError(str(e)) from None
    if len(script) > MAX_SCRIPT:
        raise FFmpegError(f"the camera URL is too long ({len(url)} characters)")
    return script


def input_args(url: str, io_timeout: float, fast_probe: bool = False) -> list[str]:
    """ffmpeg's input options and ``-i`` for ``url``; for a URL with credentials, the concat
    demuxer reading ``input_script(...)`` on stdin. A ``LAVFI_PREFIX`` source is generated
    at its own rate."""
    if url.startswith(LAVFI_PREFIX):  # the test pattern, generated here in real time
        return ["-re", "-f", "lavfi", "-i", url.removeprefix(LAVFI_PREFIX)]
    if carries_credentials(url):
        # the concat demuxer's streams are probed too: with the same bounds
        outer = [arg for key, value in probe_options(fast_probe) for arg in (f"-{key}", value)]
        return ["-nostdin", *outer, "-f", "concat", "-safe", "0",
                "-protocol_whitelist", PROTOCOLS, "-i", SCRIPT_INPUT]  # fmt: skip
    options = input_options(url, io_timeout, fast_probe)
    args = [arg for key, value in options for arg in (f"-{key}", value)]
    return [*args, "-i", url]


def input_script(url: str, io_timeout: float, fast_probe: bool = False) -> bytes | None:
    """The script for ffmpeg's stdin that goes with ``input_args(url, ...)``: ``None`` when
    the URL carries no credentials (then ``-i`` names it directly)."""
    if not carries_credentials(url):
        return None
    return concat_script(url, input_options(url, io_timeout, fast_probe))


def redact_userinfo(text: str) -> str:
    """``text`` without the ``user:password@`` of any URL in it: ffmpeg prints its input URL
    in errors, and reader URLs carry the internal reader credential (or a camera's own)."""
    return _USERINFO.sub(r"\g<scheme>", text) if "@" in text else text
