"""The service methods: status, server info, metrics and subscription statistics.

Their shapes are compat.json's (``StatusResult``, ``ServerInfo``, ``MetricsResult``,
``SubscriptionStats``) with our own figures beside them."""

from __future__ import annotations

import datetime as dt
import platform
from pathlib import Path
from typing import Any

from ..errors import CameraServiceError
from ..models import TOPICS
from . import present
from .context import RpcContext
from .metrics import memory_percent, process_usage
from .session import Session
from .status import health_fields
from .topics import ordered

Args = dict[str, Any]

# The most cameras one service is built and tested for (ids and MediaMTX paths themselves
# are not limited; every camera costs one MediaMTX path and, while read, one ffmpeg).
MAX_CAMERAS = 64


def _build_date() -> str:
    """When this copy was built: the package's own file time (the .deb sets it to the
    build's SOURCE_DATE_EPOCH; a checkout shows its last change)."""
    try:
        stamp = (Path(__file__).resolve().parent.parent / "__init__.py").stat().st_mtime
    except OSError:
        return ""
    return dt.datetime.fromtimestamp(stamp, dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


BUILD_DATE = _build_date()


def _camera_counts(ctx: RpcContext) -> dict[str, int]:
    cams = ctx.cameras.cameras()
    return {"total": len(cams), "connected": sum(1 for c in cams if c.connected)}


def _active_recordings(ctx: RpcContext) -> int:
    return len(ctx.media.active_recordings()) if ctx.media is not None else 0


def status_result(ctx: RpcContext) -> dict[str, Any]:
    out = {
        **health_fields(ctx.components()),
        "version": ctx.version,
        "uptime": round(ctx.uptime(), 3),
        "connections": ctx.metrics.active_connections,
        "cameras": _camera_counts(ctx),
        "recordings": {"active": _active_recordings(ctx)},
    }
    if ctx.motion is not None:  # StatusResult allows more properties than its own
        out["motion"] = ctx.motion.detectors()
    return out


def _recheck(ctx: RpcContext) -> None:
    """A client reads the health: MediaMTX is asked again soon (the next read is fresh)."""
    if ctx.streams is not None:
        ctx.streams.recheck()


async def get_status(ctx: RpcContext, session: Session, args: Args) -> Any:
    _recheck(ctx)
    return status_result(ctx)


get_system_status = get_status  # compat.json: the same result under another name


async def get_server_info(ctx: RpcContext, session: Session, args: Args) -> Any:
    _recheck(ctx)
    return {
        "name": "camera-service",
        "version": ctx.version,
        "build_date": BUILD_DATE,
        "architecture": platform.machine(),
        "python_version": platform.python_version(),
        "uptime": round(ctx.uptime(), 3),
        **health_fields(ctx.components()),
        "capabilities": ["snapshots", "recordings", "streaming", "notifications"],
        "supported_formats": ["fmp4", "mp4", "mkv"],
        "max_cameras": MAX_CAMERAS,
        **({"video_encoder": dict(ctx.video_encoder)} if ctx.video_encoder else {}),
    }


# -- metrics ---------------------------------------------------------------------------------


async def _disk_usage(ctx: RpcContext) -> float | None:
    if ctx.files is None:
        return None
    try:
        return (await ctx.files.storage_info()).usage_percentage
    except CameraServiceError:
        return None


async def _stream_metrics(ctx: RpcContext) -> dict[str, int]:
    total = len(ctx.cameras.cameras())  # every camera is one MediaMTX path
    out = {"active_streams": 0, "total_streams": total, "total_viewers": 0}
    if ctx.streams is None or not ctx.streams.health().healthy:
        return out  # MediaMTX away: nothing is streamed, and asking it would only wait
    try:
        states = await ctx.streams.streams()
    except CameraServiceError:
        return out
    out["active_streams"] = sum(1 for s in states if s.ready)
    out["total_viewers"] = sum(s.readers or 0 for s in states)
    return out


def _camera_metrics(ctx: RpcContext) -> dict[str, Any]:
    now = ctx.clock.time()
    cameras = ctx.cameras.cameras()
    return {
        "connected_cameras": sum(1 for c in cameras if c.connected),
        "total_cameras": len(cameras),
        "cameras": {
            c.id: {
                "status": c.status.value,
                "name": c.name,
                "resolution": c.mode.resolution if c.mode else None,
                "fps": present.whole_fps(c.mode.fps) if c.mode else None,
                "uptime": present.seconds(now - c.changed_at) if c.connected else 0,
            }
            for c in cameras
        },
    }


def _recording_metrics(ctx: RpcContext) -> dict[str, Any]:
    recs = ctx.media.active_recordings() if ctx.media is not None else []
    now = ctx.clock.time()
    return {
        "active_recordings": len(recs),
        "recordings": {
            r.camera_id: {
                "filename": r.filename,
                "format": r.format,
                "start_time": present.iso_time(r.start_time),
                "duration": present.seconds(max(0.0, now - r.start_time)),
            }
            for r in recs
        },
    }


async def get_metrics(ctx: RpcContext, session: Session, args: Args) -> Any:
    m = ctx.metrics
    totals = m.totals()
    usage = process_usage()
    cpu_percent = m.cpu_percent()
    disk = await _disk_usage(ctx)
    return {
        "timestamp": present.iso_time(ctx.clock.time()),
        "system_metrics": {
            "cpu_usage": cpu_percent,  # this process, percent of one core
            "memory_usage": memory_percent(),  # the host's memory in use, percent
            "disk_usage": disk if disk is not None else 0.0,  # the recordings' file system, percent
        },
        "camera_metrics": _camera_metrics(ctx),
        "recording_metrics": _recording_metrics(ctx),
        "stream_metrics": await _stream_metrics(ctx),
        "active_connections": m.active_connections,
        "total_connections": m.total_connections,
        "total_requests": totals.count,
        "average_response_time": round(totals.total_seconds / totals.count * 1000, 3)
        if totals.count
        else 0.0,
        "error_rate": round(totals.errors / totals.count, 4) if totals.count else 0.0,
        "memory_usage": round(usage["rss_bytes"] / 1048576, 2),
        "cpu_usage": cpu_percent,
        "methods": {name: s.as_json() for name, s in sorted(m.methods.items())},
        "cameras": _camera_counts(ctx),
        "recordings": {"active": _active_recordings(ctx)},
        "notifications_sent": m.notifications_sent,
        "dropped_clients": m.dropped_clients,
        "process": {
            "rss_bytes": usage["rss_bytes"],
            "cpu_seconds": round(usage["cpu_seconds"], 3),
            "cpu_percent": cpu_percent,
        },
    }


# -- subscriptions ---------------------------------------------------------------------------


def effective_topics(session: Session) -> list[str]:
    """The topics a session receives now: none before it authenticates, every topic until
    it subscribes, then its subscription."""
    if session.principal is None:
        return []
    return ordered(session.topics) if session.topics is not None else list(TOPICS)


def subscription_stats(sessions: list[Session], me: Session) -> dict[str, Any]:
    counts = dict.fromkeys(TOPICS, 0)
    active = 0
    for s in sessions:
        topics = effective_topics(s)
        if s.principal is not None:
            active += 1
        for t in topics:
            counts[t] += 1
    return {
        "global_stats": {
            "total_subscriptions": sum(counts.values()),
            "active_clients": active,
            "topic_counts": counts,
        },
        "client_topics": effective_topics(me),
        "client_id": me.session_id,
    }


async def get_subscription_stats(ctx: RpcContext, session: Session, args: Args) -> Any:
    sessions = ctx.sessions() if ctx.sessions is not None else [session]
    return subscription_stats(sessions, session)
