"""Motion detection and its events: ``get_motion_config``, ``set_motion_config``,
``list_events``, ``get_event``, ``delete_event``. Instants are ISO 8601 UTC (``*_time``) with
the exact Unix seconds beside them; pictures and the clip's recordings come as signed links."""

from __future__ import annotations

from typing import Any

from ..errors import InvalidParams
from ..links import FileLinks
from ..media.event_store import StoredEvent
from ..motion.settings import KEYS
from .context import RpcContext
from .present import iso_time
from .session import Session

Args = dict[str, Any]
EVENT_FILES = "events"  # the /files/events/{name} route of the pictures


def _config_object(ctx: RpcContext, camera_id: str) -> dict[str, Any]:
    motion = ctx.require_motion()
    active = motion.active_event(camera_id)
    return {
        "device": camera_id,
        **motion.spec_for(camera_id).as_dict(),
        "source": motion.source(camera_id),
        "state": motion.state(camera_id),
        "active_event": active.id if active is not None else None,
    }


def _clip(ctx: RpcContext, e: StoredEvent, links: FileLinks) -> dict[str, Any]:
    """The recording that covers [start - pre_capture, end + post_capture]: the segments of
    the continuous recording (no copy), or in mode ``motion`` the recording made of the
    buffer (once it is complete); each file with the wall time it covers."""
    start = e.start - e.pre_capture
    end = (e.end if e.end is not None else e.last_motion) + e.post_capture
    segments = ctx.recorder.segments(e.camera, start, end) if ctx.recorder is not None else []
    return {
        "start": round(start, 3),
        "end": round(end, 3),
        "start_time": iso_time(start),
        "end_time": iso_time(end),
        "files": [_file(s.name, s.start, s.end, links) for s in segments],
    }


def _file(name: str, start: float, end: float, links: FileLinks) -> dict[str, Any]:
    return {"filename": name, "download_url": links.url("recordings", name),
            "start": round(start, 3), "end": round(end, 3)}  # fmt: skip


def event_object(ctx: RpcContext, e: StoredEvent, links: FileLinks) -> dict[str, Any]:
    return {
        "event_id": e.id,
        "device": e.camera,
        "status": "ended" if e.end is not None else "active",
        "start": round(e.start, 3),
        "end": round(e.end, 3) if e.end is not None else None,
        "start_time": iso_time(e.start),
        "end_time": iso_time(e.end),
        "duration": round((e.end if e.end is not None else e.last_motion) - e.start, 3),
        "score": round(e.peak_score, 3),
        "peak_time": iso_time(e.peak_time),
        "region": e.region,
        "cause": e.cause,
        "snapshot_url": links.url(EVENT_FILES, e.snapshot) if e.snapshot else None,
        "thumbnail_url": links.url(EVENT_FILES, e.thumbnail) if e.thumbnail else None,
        "clip": _clip(ctx, e, links),
    }


async def get_motion_config(ctx: RpcContext, session: Session, args: Args) -> Any:
    camera = ctx.cameras.get(args["device"])
    return _config_object(ctx, camera.id)


async def set_motion_config(ctx: RpcContext, session: Session, args: Args) -> Any:
    camera = ctx.cameras.get(args["device"])
    changes = {k: args[k] for k in KEYS if args.get(k) is not None}
    await ctx.require_motion().set_config(camera.id, changes)
    return _config_object(ctx, camera.id)


async def list_events(ctx: RpcContext, session: Session, args: Args) -> Any:
    motion = ctx.require_motion()
    device = args.get("device")
    camera = ctx.cameras.get(device).id if device is not None else None
    since, until = args.get("since"), args.get("until")
    if since is not None and until is not None and until < since:
        raise InvalidParams("until", "'until' must not be before 'since'")
    limit, offset = args["limit"], args["offset"]
    events, total = await motion.list_events(camera, since, until, limit, offset)
    links = ctx.file_links()
    return {
        "events": [event_object(ctx, e, links) for e in events],
        "total": total,
        "limit": limit,
        "offset": offset,
    }


async def get_event(ctx: RpcContext, session: Session, args: Args) -> Any:
    event = await ctx.require_motion().get_event(args["event_id"])
    return event_object(ctx, event, ctx.file_links())


async def delete_event(ctx: RpcContext, session: Session, args: Args) -> Any:
    event = await ctx.require_motion().delete_event(args["event_id"])
    return {"deleted": True, "event_id": event.id}
