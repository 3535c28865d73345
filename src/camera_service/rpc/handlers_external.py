"""External streams and RTSP discovery: ``add_external_stream``, ``remove_external_stream``,
``get_external_streams``, ``discover_external_streams``, ``set_discovery_interval``.

The shapes are compat.json's (``ExternalStream``, ``ExternalStreamsResult``,
``ExternalStreamDiscoveryResult``, ``DiscoveryIntervalResult``) with our fields added beside
them (``device``, ``camera_status``, ``reason``). URLs are always shown without credentials.
An added stream is ``DISCOVERED`` while its camera is connected and ``ERROR`` otherwise
(compat.json's ``ExternalStream.status`` has no third value); ``camera_status`` says which.
"""

from __future__ import annotations

from typing import Any

from ..errors import CameraNotFound, Unsupported
from ..models import Camera
from ..models_streams import DiscoveredStream, ExternalStream
from ..ports import ExternalStreams, StreamDiscovery
from .context import RpcContext
from .present import iso_time
from .session import Session

Args = dict[str, Any]


# -- presenters (pure) ----------------------------------------------------------------------
def _is_skydio(kind: str) -> bool:
    return kind.startswith("skydio")


def external_stream_object(stream: ExternalStream, camera: Camera | None) -> dict[str, Any]:
    connected = camera is not None and camera.connected
    out: dict[str, Any] = {
        "url": stream.safe_url,
        "type": stream.type,
        "name": stream.name,
        "status": "DISCOVERED" if connected else "ERROR",
        "discovered_at": iso_time(stream.added_at),
        "capabilities": {},
        "device": stream.camera_id,
        "camera_status": camera.status.value if camera is not None else "DISCONNECTED",
    }
    if stream.last_seen is not None:
        out["last_seen"] = iso_time(stream.last_seen)
    if camera is not None and camera.mode is not None:
        m = camera.mode
        out["capabilities"] = {"codec": m.pixel_format, "resolution": f"{m.width}x{m.height}",
                               "fps": m.fps}
    if camera is not None and camera.reason:
        out["reason"] = camera.reason
    return out


def discovered_object(stream: DiscoveredStream) -> dict[str, Any]:
    return {
        "url": stream.url,
        "type": stream.type,
        "name": stream.name,
        "status": "DISCOVERED" if stream.online else "ERROR",
        "discovered_at": iso_time(stream.discovered_at),
        "last_seen": iso_time(stream.last_seen),
        "capabilities": {"requires_auth": stream.needs_auth, "codecs": list(stream.codecs),
                         "server": stream.server},
    }


def grouped(items: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(skydio, generic)``"""
    return ([i for i in items if _is_skydio(i["type"])],
            [i for i in items if not _is_skydio(i["type"])])


# -- handlers -------------------------------------------------------------------------------
def _external(ctx: RpcContext) -> ExternalStreams:
    if ctx.external is None:
        raise Unsupported("external_streams")
    return ctx.external


def _discovery(ctx: RpcContext) -> StreamDiscovery:
    if ctx.discovery is None:
        raise Unsupported("stream_discovery")
    return ctx.discovery


def _camera(ctx: RpcContext, camera_id: str) -> Camera | None:
    try:
        return ctx.cameras.get(camera_id)
    except CameraNotFound:
        return None


async def add_external_stream(ctx: RpcContext, session: Session, args: Args) -> Any:
    stream = await _external(ctx).add_stream(args["stream_url"], args["stream_name"],
                                             args["stream_type"])
    return {"stream_url": stream.safe_url, "stream_name": stream.name,
            "stream_type": stream.type, "status": "ADDED", "device": stream.camera_id,
            "timestamp": iso_time(ctx.clock.time())}


async def remove_external_stream(ctx: RpcContext, session: Session, args: Args) -> Any:
    stream = await _external(ctx).remove_stream(args["stream_url"])
    return {"stream_url": stream.safe_url, "status": "REMOVED", "device": stream.camera_id,
            "timestamp": iso_time(ctx.clock.time())}


async def get_external_streams(ctx: RpcContext, session: Session, args: Args) -> Any:
    items = [external_stream_object(s, _camera(ctx, s.camera_id))
             for s in _external(ctx).external_streams()]
    skydio, generic = grouped(items)
    return {"external_streams": items, "skydio_streams": skydio, "generic_streams": generic,
            "total_count": len(items), "timestamp": iso_time(ctx.clock.time())}


async def discover_external_streams(ctx: RpcContext, session: Session, args: Args) -> Any:
    discovery = _discovery(ctx)
    scan = await discovery.discover(force=bool(args["force_rescan"]))
    kinds = {k for k, on in (("skydio", args["skydio_enabled"]),
                             ("generic", args["generic_enabled"])) if on}
    shown = [discovered_object(s) for s in discovery.known()
             if (s.online or args["include_offline"])
             and ("skydio" if _is_skydio(s.type) else "generic") in kinds]
    skydio, generic = grouped(shown)
    return {
        "discovered_streams": shown,
        "skydio_streams": skydio,
        "generic_streams": generic,
        "scan_timestamp": iso_time(scan.started_at),
        "total_found": len(shown),
        "discovery_options": {k: bool(args[k]) for k in (
            "skydio_enabled", "generic_enabled", "force_rescan", "include_offline")},
        "scan_duration": f"{scan.duration:.2f}s",
        "candidates_probed": scan.probed,
        "errors": list(scan.errors),
    }


async def set_discovery_interval(ctx: RpcContext, session: Session, args: Args) -> Any:
    seconds = _discovery(ctx).set_interval(args["scan_interval"])
    message = (f"discovery scans every {seconds} s" if seconds
               else "scheduled discovery scans stopped")
    return {"scan_interval": seconds, "status": "UPDATED", "message": message,
            "timestamp": iso_time(ctx.clock.time())}
