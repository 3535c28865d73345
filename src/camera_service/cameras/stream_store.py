"""The external streams (network cameras added with ``add_external_stream``) and the file
that keeps them across restarts: ``external_streams.json`` in ``storage.state_dir``, written
atomically (temporary file, fsync, ``os.replace``) with mode 0600, since a stream URL may
carry credentials.

Pure: ``check_stream_url``, ``check_stream_type``, ``encode``, ``decode``. ``StreamFile``
reads and writes the file in the default executor, never on the event loop. A file that
cannot be decoded is moved aside (``.corrupt-<time>``) and logged; the service starts
without its streams rather than failing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import InvalidParams, StorageError
from ..models_streams import ExternalStream
from ..statefile import read_state, versioned_field, write_atomically
from .urls import redact_text, redact_url

log = logging.getLogger(__name__)

FILE_NAME = "external_streams.json"
FILE_VERSION = 1
DEFAULT_TYPE = "generic_rtsp"
MAX_URL = 2048
_TYPE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
LOG = {"COMPONENT": "camera_monitor"}


# -- pure ------------------------------------------------------------------------------------
def check_stream_url(url: str) -> str:
    """``url`` if it is an ``rtsp://`` or ``rtsps://`` URL with a host; raises
    ``InvalidParams`` (never echoing credentials) otherwise."""
    if not url or len(url) > MAX_URL or any(c.isspace() or ord(c) < 32 for c in url):
        raise InvalidParams("stream_url", f"'stream_url' must be an RTSP URL of at most "
                            f"{MAX_URL} characters without spaces")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise InvalidParams("stream_url", "'stream_url' is not a valid URL") from None
    if parts.scheme.lower() not in ("rtsp", "rtsps") or not parts.hostname:
        raise InvalidParams("stream_url", "'stream_url' must look like rtsp://HOST[:PORT]/PATH, "
                            f"got {redact_url(url)!r}")
    return url


def check_stream_type(stream_type: str | None) -> str:
    value = stream_type or DEFAULT_TYPE
    if not _TYPE.match(value):
        raise InvalidParams("stream_type", "'stream_type' must be a short lower-case word such "
                            "as generic_rtsp or skydio_eo")
    return value


def is_skydio(stream_type: str) -> bool:
    return stream_type.startswith("skydio")


def encode(streams: list[ExternalStream]) -> str:
    entries = [{"url": s.url, "name": s.name, "type": s.type, "added_at": s.added_at}
               for s in streams]
    return json.dumps({"version": FILE_VERSION, "streams": entries}, indent=2) + "\n"


def decode(text: str) -> list[ExternalStream]:
    """The streams of a file; raises ``ValueError`` saying what is wrong."""
    entries = versioned_field(text, FILE_VERSION, "streams", list)
    out: list[ExternalStream] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise ValueError(f"streams[{i}] must be an object")
        url, name, kind, added = (entry.get(k) for k in ("url", "name", "type", "added_at"))
        if not isinstance(url, str) or not isinstance(name, str) or not isinstance(kind, str):
            raise ValueError(f"streams[{i}] needs url, name and type strings")
        if isinstance(added, bool) or not isinstance(added, int | float):
            raise ValueError(f"streams[{i}].added_at must be a number")
        try:
            check_stream_url(url)
            check_stream_type(kind)
        except InvalidParams as e:
            raise ValueError(f"streams[{i}]: {e}") from None
        safe = redact_url(url)
        if safe in seen:
            raise ValueError(f"streams[{i}] repeats {safe}")
        seen.add(safe)
        out.append(ExternalStream(url=url, safe_url=safe, name=name, type=kind,
                                  added_at=float(added)))
    return out


# -- the file --------------------------------------------------------------------------------
class StreamFile:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = asyncio.Lock()  # one write at a time: they share the temporary name

    async def load(self) -> list[ExternalStream]:
        return await asyncio.get_running_loop().run_in_executor(None, self._read)

    async def save(self, streams: list[ExternalStream]) -> None:
        """Raises ``StorageError`` naming the cause (the log names the path too)."""
        text = encode(streams)
        async with self._lock:
            try:
                await asyncio.get_running_loop().run_in_executor(
                    None, write_atomically, self.path, text, 0o600
                )
            except OSError as e:
                reason = e.strerror or str(e)
                log.error("cannot save the external streams to %s (%s)", self.path, reason,
                          extra=LOG)
                raise StorageError(f"cannot save the external streams: {reason}") from e

    def _read(self) -> list[ExternalStream]:
        try:
            return read_state(self.path, decode, [], self._log_corrupt)
        except OSError as e:
            log.error("cannot read the external streams from %s (%s); starting without them",
                      self.path, e.strerror or e, extra=LOG)
            return []

    def _log_corrupt(self, reason: str, where: str) -> None:
        log.error("external streams file %s is invalid (%s); %s; starting without them",
                  self.path, redact_text(reason), where, extra=LOG)
