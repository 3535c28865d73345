"""File names for snapshots and recordings. Pure functions, no I/O.

A requested name must be a plain file name: not empty, no ``/`` or ``\\``, no ``..``, no
control characters (NUL included), not hidden (a leading ``.`` is kept for our temporary
files), and at most 255 bytes in UTF-8 once its extension is forced. Anything else is an
``InvalidParams("filename", ...)``. Default names are ``cameraN_YYYY-MM-DD_HH-MM-SS.ext``
in UTC.
"""

from __future__ import annotations

import calendar
import re
import time

from ..errors import InvalidParams

MAX_NAME_BYTES = 255
SNAPSHOT_EXT = ".jpg"
RECORDING_FORMATS: dict[str, str] = {"fmp4": ".mp4", "mp4": ".mp4", "mkv": ".mkv"}
DEFAULT_FORMAT = "fmp4"
KINDS = ("snapshots", "recordings")

_STAMP = "%Y-%m-%d_%H-%M-%S"
_DEFAULT_RE = re.compile(
    r"^(?P<device>camera\d+)_(?P<stamp>\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d)(?:_[0-9]+)*\.[A-Za-z0-9]+$"
)
_EXT_RE = re.compile(r"\.[A-Za-z0-9]{1,5}$")


def _problem(name: str) -> str | None:
    if not name:
        return "must not be empty"
    if "/" in name or "\\" in name:
        return "must be a plain file name without path separators"
    if ".." in name:
        return "must not contain '..'"
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        return "must not contain control characters"
    if name.startswith("."):
        return "must not start with '.'"
    if name != name.strip():
        return "must not start or end with spaces"
    return None


def check_plain_name(name: str, param: str = "filename") -> str:
    """Accept an existing file's name as is (for info/delete/download), or raise."""
    if not isinstance(name, str):
        raise InvalidParams(param, f"{param} must be a string")
    problem = _problem(name)
    if problem is None and len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        problem = f"must be at most {MAX_NAME_BYTES} bytes"
    if problem:
        raise InvalidParams(param, f"invalid {param}: {problem}")
    return name


def force_extension(name: str, ext: str) -> str:
    """``shot`` -> ``shot.jpg``; ``shot.png`` / ``shot.JPG`` -> ``shot.jpg``."""
    stem = _EXT_RE.sub("", name) if _EXT_RE.search(name) else name
    return (stem or name) + ext


def validate_filename(name: str, ext: str, param: str = "filename") -> str:
    """A requested name made safe: checked, then given the extension ``ext``."""
    if not isinstance(name, str):
        raise InvalidParams(param, f"{param} must be a string")
    problem = _problem(name)
    if problem:
        raise InvalidParams(param, f"invalid {param}: {problem}")
    return check_plain_name(force_extension(name, ext), param)


def format_extension(fmt: str) -> str:
    try:
        return RECORDING_FORMATS[fmt]
    except KeyError:
        raise InvalidParams(
            "format", f"format must be one of {', '.join(RECORDING_FORMATS)}, not {fmt!r}"
        ) from None


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidParams("kind", f"kind must be one of {', '.join(KINDS)}")
    return kind


def stamp(now: float) -> str:
    return time.strftime(_STAMP, time.gmtime(now))


def default_name(camera_id: str, now: float, ext: str) -> str:
    return f"{camera_id}_{stamp(now)}{ext}"


def snapshot_filename(camera_id: str, requested: str | None, now: float) -> str:
    if requested is None:
        return default_name(camera_id, now, SNAPSHOT_EXT)
    return validate_filename(requested, SNAPSHOT_EXT)


def recording_filename(camera_id: str, fmt: str, now: float, requested: str | None = None) -> str:
    ext = format_extension(fmt)
    if requested is None:
        return default_name(camera_id, now, ext)
    return validate_filename(requested, ext)


def split_ext(name: str) -> tuple[str, str]:
    m = _EXT_RE.search(name)
    return (name[: m.start()], m.group()) if m else (name, "")


def numbered(name: str, n: int) -> str:
    """``camera0_...jpg`` -> ``camera0_..._2.jpg`` (to avoid overwriting an existing file)."""
    stem, ext = split_ext(name)
    return f"{stem}_{n}{ext}"


def segment_pattern(name: str) -> str:
    """The ffmpeg segment muxer pattern for a recording name: ``x.mp4`` -> ``x_%03d.mp4``."""
    stem, ext = split_ext(name.replace("%", "%%"))
    return f"{stem}_%03d{ext}"


def segment_name(name: str, index: int) -> str:
    stem, ext = split_ext(name)
    return f"{stem}_{index:03d}{ext}"


def segment_regex(name: str) -> re.Pattern[str]:
    """Matches the segment files ffmpeg writes for ``segment_pattern(name)``."""
    stem, ext = split_ext(name)
    return re.compile(re.escape(stem) + r"_(\d{3,})" + re.escape(ext) + "$")


def parse_device(filename: str) -> str | None:
    """The camera id in a default name (``camera0_2024-...``), else ``None``."""
    m = _DEFAULT_RE.match(filename)
    return m.group("device") if m else None


def parse_time(filename: str) -> float | None:
    """The UTC start time in a default name, else ``None``."""
    m = _DEFAULT_RE.match(filename)
    if not m:
        return None
    return float(calendar.timegm(time.strptime(m.group("stamp"), _STAMP)))
