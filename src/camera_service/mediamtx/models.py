"""MediaMTX Control API v3 responses as frozen dataclasses.

Each ``from_json`` takes the decoded JSON of one response (or list item) and returns a typed
value, or raises ``MediaMTXError`` naming the field that is malformed. Fields this service
does not read are ignored, so a newer MediaMTX with more fields is fine; a field it reads
with the wrong JSON type is an error. A JSON ``null`` where a list is expected counts as an
empty list (Go encodes an empty slice that way). Pure code, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, Generic, TypeVar

from ..errors import MediaMTXError
from ..models_streams import StreamState

T = TypeVar("T")
_MISSING: Any = object()


def malformed(where: str, problem: str) -> MediaMTXError:
    return MediaMTXError(f"malformed MediaMTX response: {where} {problem}")


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "integer", float: "number", str: "string",
            list: "array", dict: "object"}.get(type(value), type(value).__name__)


def _object(data: object, where: str) -> Mapping[str, Any]:
    if not isinstance(data, dict):
        raise malformed(where, f"is {_type_name(data)}, expected object")
    return data


def _str(obj: Mapping[str, Any], key: str, where: str, default: Any = _MISSING,
         nullable: bool = False) -> Any:
    value = obj.get(key, _MISSING)
    if value is _MISSING:
        if default is _MISSING:
            raise malformed(f"{where}.{key}", "is missing")
        return default
    if value is None and nullable:
        return None
    if not isinstance(value, str):
        raise malformed(f"{where}.{key}", f"is {_type_name(value)}, expected string")
    return value


def _bool(obj: Mapping[str, Any], key: str, where: str, default: bool | None) -> bool | None:
    value = obj.get(key, _MISSING)
    if value is _MISSING:
        return default
    if not isinstance(value, bool):
        raise malformed(f"{where}.{key}", f"is {_type_name(value)}, expected boolean")
    return value


def _int(obj: Mapping[str, Any], key: str, where: str, default: int | None) -> int | None:
    value = obj.get(key, _MISSING)
    if value is _MISSING:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise malformed(f"{where}.{key}", f"is {value!r}, expected integer >= 0")
    return value


def _list(obj: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise malformed(f"{where}.{key}", f"is {_type_name(value)}, expected array")
    return value


@dataclass(frozen=True)
class Info:
    """``GET /v3/info``. ``started`` changes when MediaMTX restarts."""

    version: str = ""
    started: str | None = None

    FIELDS: ClassVar[tuple[str, ...]] = ("version", "started")

    @classmethod
    def from_json(cls, data: object) -> Info:
        obj = _object(data, "info")
        return cls(
            version=_str(obj, "version", "info", ""),
            started=_str(obj, "started", "info", None, nullable=True),
        )


@dataclass(frozen=True)
class PathConf:
    """One item of ``/v3/config/paths/list`` (or ``/v3/config/paths/get``). ``raw`` keeps the
    whole configuration as MediaMTX reported it; the reconciler compares against it."""

    name: str
    source: str = ""
    source_on_demand: bool = False
    run_on_demand: str = ""
    raw: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), compare=False)

    FIELDS: ClassVar[tuple[str, ...]] = ("name", "source", "sourceOnDemand", "runOnDemand")

    @classmethod
    def from_json(cls, data: object, where: str = "path configuration") -> PathConf:
        obj = _object(data, where)
        return cls(
            name=_str(obj, "name", where),
            source=_str(obj, "source", where, ""),
            source_on_demand=bool(_bool(obj, "sourceOnDemand", where, False)),
            run_on_demand=_str(obj, "runOnDemand", where, ""),
            raw=MappingProxyType(dict(obj)),
        )


@dataclass(frozen=True)
class PathSource:
    type: str
    id: str = ""

    FIELDS: ClassVar[tuple[str, ...]] = ("type", "id")

    @classmethod
    def from_json(cls, data: object, where: str) -> PathSource:
        obj = _object(data, where)
        return cls(type=_str(obj, "type", where, ""), id=_str(obj, "id", where, ""))


@dataclass(frozen=True)
class PathReader:
    type: str
    id: str = ""

    FIELDS: ClassVar[tuple[str, ...]] = ("type", "id")

    @classmethod
    def from_json(cls, data: object, where: str) -> PathReader:
        obj = _object(data, where)
        return cls(type=_str(obj, "type", where, ""), id=_str(obj, "id", where, ""))


@dataclass(frozen=True)
class Path:
    """One item of ``/v3/paths/list`` or ``/v3/paths/get/{name}``: a path's runtime state.

    Reads the v1.20 field names (``available``, ``inboundBytes``, ``outboundBytes``) and
    falls back to the deprecated ones (``ready``, ``bytesReceived``, ``bytesSent``)."""

    name: str
    conf_name: str = ""
    ready: bool = False
    ready_time: str | None = None
    source: PathSource | None = None
    readers: tuple[PathReader, ...] = ()
    bytes_received: int = 0
    bytes_sent: int = 0
    tracks: tuple[str, ...] = ()

    FIELDS: ClassVar[tuple[str, ...]] = (
        "name", "confName", "available", "ready", "availableTime", "readyTime", "source",
        "readers", "inboundBytes", "bytesReceived", "outboundBytes", "bytesSent", "tracks2",
        "tracks",
    )

    @classmethod
    def from_json(cls, data: object, where: str = "path") -> Path:
        obj = _object(data, where)
        name = _str(obj, "name", where)
        ready = _bool(obj, "available", where, None)
        if ready is None:
            ready = _bool(obj, "ready", where, False)
        time_key = "availableTime" if "availableTime" in obj else "readyTime"
        ready_time = _str(obj, time_key, where, None, nullable=True)
        received = _int(obj, "inboundBytes", where, None)
        if received is None:
            received = _int(obj, "bytesReceived", where, 0)
        sent = _int(obj, "outboundBytes", where, None)
        if sent is None:
            sent = _int(obj, "bytesSent", where, 0)
        source_data = obj.get("source")
        readers = _list(obj, "readers", where)
        tracks: list[str] = []
        for i, track in enumerate(_list(obj, "tracks2", where)):
            tracks.append(_str(_object(track, f"{where}.tracks2[{i}]"), "codec",
                               f"{where}.tracks2[{i}]", ""))
        if not tracks:
            for i, codec in enumerate(_list(obj, "tracks", where)):
                if not isinstance(codec, str):
                    raise malformed(f"{where}.tracks[{i}]", f"is {_type_name(codec)}, "
                                    "expected string")
                tracks.append(codec)
        return cls(
            name=name,
            conf_name=_str(obj, "confName", where, ""),
            ready=bool(ready),
            ready_time=ready_time,
            source=None if source_data is None
            else PathSource.from_json(source_data, f"{where}.source"),
            readers=tuple(PathReader.from_json(r, f"{where}.readers[{i}]")
                          for i, r in enumerate(readers)),
            bytes_received=received or 0,
            bytes_sent=sent or 0,
            tracks=tuple(tracks),
        )

    def to_stream_state(self) -> StreamState:
        return StreamState(
            name=self.name,
            ready=self.ready,
            readers=len(self.readers),
            bytes_sent=self.bytes_sent,
            bytes_received=self.bytes_received,
            source=self.source.type if self.source else None,
            ready_time=self.ready_time,
        )


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a ``*/list`` answer."""

    items: tuple[T, ...]
    item_count: int
    page_count: int

    FIELDS: ClassVar[tuple[str, ...]] = ("items", "itemCount", "pageCount")

    @classmethod
    def from_json(cls, data: object, item: Callable[[object, str], T], where: str) -> Page[T]:
        obj = _object(data, where)
        raw_items = _list(obj, "items", where)
        items = tuple(item(x, f"{where}.items[{i}]") for i, x in enumerate(raw_items))
        return cls(
            items=items,
            item_count=_int(obj, "itemCount", where, len(items)) or 0,
            page_count=_int(obj, "pageCount", where, 1) or 0,
        )


def error_text(data: object) -> str | None:
    """The ``error`` text of a MediaMTX ``Error`` body, or ``None`` if it is not one."""
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return str(data["error"])
    return None
