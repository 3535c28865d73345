"""The stream methods: ``get_stream_url``, ``get_stream_status``, ``get_streams``,
``start_streaming``, ``stop_streaming``, and their result shapes (compat.json's
``StreamStatus``, ``StreamInfo``, ``StreamStart``, ``StreamStop``).

Without MediaMTX: ``get_stream_url`` still answers (its URLs come from the configuration)
with ``available: false`` and ``stream_status: "ERROR"``; ``stop_streaming`` of a kept stream
answers ``STOPPED``; ``start_streaming``, ``get_stream_status`` and ``get_streams`` need
MediaMTX's answer and give -32050.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..errors import MediaMTXError
from ..mediamtx.duration import format_duration
from ..models import Camera, CameraStatus
from ..models_streams import KeptStream, StreamReport, StreamState
from .context import RpcContext
from .present import iso_time
from .session import Session
from .stream_tokens import token_fields

Args = dict[str, Any]


def stream_info(state: StreamState) -> dict[str, Any]:
    """``StreamInfo``: ``{name, source?, ready, readers, bytes_sent}``."""
    out: dict[str, Any] = {"name": state.name, "ready": state.ready, "readers": state.readers,
                           "bytes_sent": state.bytes_sent}
    if state.source is not None:
        out["source"] = state.source
    return out


def _kept_fields(kept: KeptStream, ctx: RpcContext) -> dict[str, Any]:
    remaining = max(0.0, kept.deadline - ctx.clock.monotonic())
    return {
        "start_time": iso_time(kept.started_at),
        "auto_close_after": format_duration(kept.keep_for),
        "auto_close_at": iso_time(ctx.clock.time() + remaining),
    }


def stream_status(report: StreamReport, ctx: RpcContext) -> dict[str, Any]:
    """``StreamStatus``, with the ``StreamInfo`` fields of API.md beside it."""
    state = report.state
    out: dict[str, Any] = {
        "device": report.camera_id,
        "stream_name": state.name,
        "status": report.status,
        "ready": state.ready,
        "kept_alive": report.kept is not None,
        "mediamtx_path": {"exists": report.path_exists, "ready": state.ready,
                          "readers": state.readers},
        "metrics": {"bytes_sent": state.bytes_sent, "bytes_received": state.bytes_received,
                    "readers": state.readers},
        **stream_info(state),
    }
    if report.kept is not None:
        out.update(_kept_fields(report.kept, ctx))
    elif state.ready and (since := _mediamtx_time(state.ready_time)) is not None:
        out["start_time"] = since  # when MediaMTX got the stream
    return out


def _mediamtx_time(text: str | None) -> str | None:
    """MediaMTX's RFC 3339 time (nanoseconds) in our timestamp form, or ``None``."""
    if not text:
        return None
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return iso_time(when.timestamp()) if when.tzinfo is not None else None


async def get_stream_url(ctx: RpcContext, session: Session, args: Args) -> Any:
    camera = ctx.cameras.get(args["device"])
    urls = ctx.stream_urls(camera.id)
    available, consumers, status = False, 0, "ERROR"
    if ctx.streams is not None and camera.status is not CameraStatus.ERROR:
        try:
            report = await ctx.streams.stream_report(camera)
        except MediaMTXError:
            pass  # the URLs are still right; the stream cannot be served now
        else:
            available, consumers = report.state.ready, report.state.readers
            status = ("READY" if available else
                      "ERROR" if report.status == "ERROR" else "NOT_READY")
    out = {
        "device": camera.id,
        "stream_name": ctx.stream_name(camera.id),
        "stream_url": urls.get("rtsp"),
        "available": available,
        "active_consumers": consumers,
        "stream_status": status,
        "streams": urls,
    }
    if args.get("with_token"):
        out.update(token_fields(ctx, session, ctx.stream_name(camera.id), urls))
    return out


async def get_stream_status(ctx: RpcContext, session: Session, args: Args) -> Any:
    camera = ctx.cameras.get(args["device"])
    return stream_status(await ctx.require_streams().stream_report(camera), ctx)


async def get_streams(ctx: RpcContext, session: Session, args: Args) -> Any:
    return [stream_info(s) for s in await ctx.require_streams().streams()]


def _names(ctx: RpcContext, camera: Camera) -> dict[str, Any]:
    return {"device": camera.id, "stream_name": ctx.stream_name(camera.id)}


async def start_streaming(ctx: RpcContext, session: Session, args: Args) -> Any:
    camera = ctx.cameras.get(args["device"])
    started = await ctx.require_streams().start_streaming(camera)
    out = {
        **_names(ctx, camera),
        "stream_url": ctx.stream_urls(camera.id).get("rtsp"),
        "status": "STARTED" if started.ready else "FAILED",
        "ready": started.ready,
        "streams": ctx.stream_urls(camera.id),
        **_kept_fields(started.kept, ctx),
    }
    if not started.ready:
        out["reason"] = started.reason
        del out["auto_close_at"]  # withdrawn: nothing closes later
    return out


async def stop_streaming(ctx: RpcContext, session: Session, args: Args) -> Any:
    camera = ctx.cameras.get(args["device"])
    stopped = await ctx.require_streams().stop_streaming(camera.id)
    return {
        **_names(ctx, camera),
        "status": "STOPPED",
        "start_time": iso_time(stopped.kept.started_at),
        "end_time": iso_time(stopped.ended_at),
        "duration": max(0, round(stopped.ended_at - stopped.kept.started_at)),
        "stream_continues": stopped.stream_continues,
    }
