"""Network cameras: is an ``rtsp://`` URL reachable, and what does it send?

``probe_rtsp`` runs ``ffprobe`` (over TCP, with a socket timeout and an overall bound) as an
asyncio subprocess; on timeout or cancellation the child is stopped terminate -> wait -> kill.
Credentials never leave this module: every reason, log line and error text goes through
``redact_url`` / ``redact_text`` first (the URL itself is needed on ffprobe's command line).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import shutil
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from ..errors import ProbeError
from ..models import CameraMode, Capabilities, FormatCaps, FrameSize

FFPROBE = "ffprobe"
_STOP_GRACE = 2.0
_CREDENTIALS_IN_TEXT = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@]*@")


def redact_url(url: str) -> str:
    """``url`` without user name and password (``rtsp://u:p@host/x`` -> ``rtsp://host/x``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _CREDENTIALS_IN_TEXT.sub(r"\g<scheme>", url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def redact_text(text: str, url: str | None = None) -> str:
    """``text`` with ``url`` (and any ``scheme://user:pass@``) stripped of credentials."""
    if url:
        text = text.replace(url, redact_url(url))
        parts = urlsplit(url)
        if parts.password:
            text = text.replace(parts.password, "***")
    return _CREDENTIALS_IN_TEXT.sub(r"\g<scheme>", text)


@dataclass(frozen=True)
class StreamInfo:
    codec: str  # ffprobe's codec name in upper case: H264, HEVC, MJPEG, ...
    width: int
    height: int
    fps: float

    @property
    def mode(self) -> CameraMode:
        return CameraMode(self.codec, self.width, self.height, self.fps)

    @property
    def capabilities(self) -> Capabilities:
        sizes = (FrameSize(self.width, self.height, (self.fps,) if self.fps else ()),)
        return Capabilities((FormatCaps(self.codec, "network stream", sizes),))


def _fps(rate: str) -> float:
    num, _, den = rate.partition("/")
    try:
        value = float(num) / float(den or 1)
    except (ValueError, ZeroDivisionError):
        return 0.0
    return round(value, 3) if 0 < value < 1000 else 0.0


def parse_ffprobe(output: str) -> StreamInfo:
    """The first video stream of ``ffprobe -of json -show_streams`` output."""
    try:
        data = json.loads(output or "{}")
    except json.JSONDecodeError as e:
        raise ProbeError(f"ffprobe printed invalid JSON: {e}") from e
    for stream in data.get("streams") or []:
        if stream.get("codec_type", "video") != "video":
            continue
        fps = _fps(str(stream.get("avg_frame_rate", ""))) or _fps(str(stream.get("r_frame_rate", "")))
        return StreamInfo(
            codec=str(stream.get("codec_name") or "unknown").upper(),
            width=int(stream.get("width") or 0),
            height=int(stream.get("height") or 0),
            fps=fps,
        )
    raise ProbeError("no video stream")


def ffprobe_command(url: str, timeout: float, ffprobe: str = FFPROBE) -> list[str]:
    rtsp = urlsplit(url).scheme.lower() in ("rtsp", "rtsps")
    return [
        ffprobe,
        "-hide_banner",
        "-v", "error",
        *(["-rtsp_transport", "tcp"] if rtsp else []),
        "-timeout", str(int(timeout * 1_000_000)),  # socket I/O timeout, microseconds
        "-probesize", "500000",
        "-analyzeduration", "1000000",
        "-select_streams", "v:0",
        "-show_entries", "stream=codec_type,codec_name,width,height,avg_frame_rate,r_frame_rate",
        "-of", "json",
        url,
    ]  # fmt: skip


async def _stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.terminate()
    try:
        await asyncio.wait_for(proc.wait(), _STOP_GRACE)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await asyncio.wait_for(proc.wait(), _STOP_GRACE)


async def probe_rtsp(url: str, limit: float, ffprobe: str = FFPROBE) -> StreamInfo:
    """Probe ``url`` within ``limit`` seconds; raises ``ProbeError`` with a credential-free
    reason."""
    safe = redact_url(url)
    if shutil.which(ffprobe) is None:
        raise ProbeError(f"{ffprobe} not found (install ffmpeg)")
    try:
        proc = await asyncio.create_subprocess_exec(
            *ffprobe_command(url, limit, ffprobe),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as e:
        raise ProbeError(f"cannot run {ffprobe}: {e.strerror or e}") from e
    try:
        out, err = await asyncio.wait_for(proc.communicate(), limit + 1.0)
    except TimeoutError:
        await _stop(proc)
        raise ProbeError(f"{safe}: no answer within {limit:g} s") from None
    except BaseException:  # cancelled: stop the child, then re-raise
        await asyncio.shield(_stop(proc))
        raise
    if proc.returncode != 0:
        lines = [ln for ln in err.decode(errors="replace").splitlines() if ln.strip()]
        why = lines[-1].strip() if lines else f"ffprobe exited with {proc.returncode}"
        raise ProbeError(redact_text(why, url))
    try:
        return parse_ffprobe(out.decode(errors="replace"))
    except ProbeError as e:
        raise ProbeError(f"{safe}: {redact_text(str(e), url)}") from None
