"""Network cameras: is an ``rtsp://`` URL reachable, and what does it send?

``probe_rtsp`` runs ``ffprobe`` (over TCP, with a socket timeout and an overall bound) as an
asyncio subprocess; on timeout or cancellation the child is stopped terminate -> wait -> kill.
Credentials never leave this module: every reason, log line and error text goes through
``redact_url`` / ``redact_text`` first. Nor are they on ffprobe's command line, which every
local user can read in ``/proc``, nor in any file: the URL reaches ffprobe in an ffconcat
script written to its stdin.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
from dataclasses import dataclass
from urllib.parse import urlsplit

from .. import ffconcat
from ..errors import ProbeError
from ..models import CameraMode, Capabilities, FormatCaps, FrameSize
from ..waits import bounded
from .urls import redact_text as redact_text  # re-exported: callers import them from here
from .urls import redact_url as redact_url

FFPROBE = "ffprobe"
_STOP_GRACE = 2.0


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


def concat_script(url: str, timeout: float) -> str:
    """An ffconcat script that opens ``url`` (over TCP for RTSP, with a socket timeout of
    ``timeout`` seconds)."""
    options = [("rtsp_transport", "tcp")] if urlsplit(url).scheme.lower() in ("rtsp", "rtsps") else []
    options.append(("timeout", str(int(timeout * 1_000_000))))  # microseconds
    try:
        return ffconcat.script(url, options)
    except ValueError as e:
        raise ProbeError(str(e)) from None


def ffprobe_command(ffprobe: str = FFPROBE) -> list[str]:
    """ffprobe reading the camera named in the concat script on its stdin."""
    return [
        ffprobe,
        "-hide_banner",
        "-v", "error",
        "-f", "concat",
        "-safe", "0",
        "-protocol_whitelist", ffconcat.PROTOCOLS,
        "-probesize", "500000",
        "-analyzeduration", "1000000",
        "-select_streams", "v:0",
        "-show_entries", "stream=codec_type,codec_name,width,height,avg_frame_rate,r_frame_rate",
        "-of", "json",
        ffconcat.SCRIPT_INPUT,
    ]  # fmt: skip


async def _stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.terminate()
    try:
        await bounded(proc.wait(), _STOP_GRACE)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await bounded(proc.wait(), _STOP_GRACE)


async def probe_rtsp(url: str, limit: float, ffprobe: str = FFPROBE) -> StreamInfo:
    """Probe ``url`` within ``limit`` seconds; raises ``ProbeError`` with a credential-free
    reason."""
    safe = redact_url(url)
    if shutil.which(ffprobe) is None:
        raise ProbeError(f"{ffprobe} not found (install ffmpeg)")
    script = concat_script(url, limit).encode()
    try:
        proc = await asyncio.create_subprocess_exec(
            *ffprobe_command(ffprobe),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as e:
        raise ProbeError(f"cannot run {ffprobe}: {e.strerror or e}") from e
    try:
        out, err = await bounded(proc.communicate(script), limit + 1.0)
    except TimeoutError:
        await _stop(proc)
        raise ProbeError(f"{safe}: no answer within {limit:g} s") from None
    except BaseException:  # cancelled: stop the child, then re-raise
        await asyncio.shield(_stop(proc))
        raise
    if proc.returncode != 0:
        lines = [ln for ln in err.decode(errors="replace").splitlines() if ln.strip()]
        why = lines[-1].strip() if lines else f"ffprobe exited with {proc.returncode}"
        raise ProbeError(redact_text(why.replace(ffconcat.SCRIPT_INPUT, safe), url))
    try:
        return parse_ffprobe(out.decode(errors="replace"))
    except ProbeError as e:
        raise ProbeError(f"{safe}: {redact_text(str(e), url)}") from None
