"""Motion detection and its events: ``get_motion_config``, ``set_motion_config``,
``list_events``, ``get_event``, ``delete_event``. Instants are ISO 8601 UTC (``*_time``) with
the exact Unix seconds beside them; pictures and the clip's recordings come as signed links."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import InvalidParams
from ..links import FileLinks
from ..media.event_store import StoredEvent
from ..media.filenames import parse_time
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


def files_between(files: Sequence[str], start: float, end: float) -> list[str]:
    """The segments of one recorded range (in order) that hold some of ``[start, end]``: a
    range lists every segment since the recording began. A segment runs from the time in its
    name (whole seconds: it may have begun up to a second later) to the next one's; a name
    without a time is kept."""
    times = [parse_time(f) for f in files]
    out = []
    for i, (name, t) in enumerate(zip(files, times, strict=True)):
        following = next((u for u in times[i + 1 :] if u is not None), None)
        if t is None or (t <= end and (following is None or following + 1 > start)):
            out.append(name)
    return out


def _clip(ctx: RpcContext, e: StoredEvent, links: FileLinks) -> dict[str, Any]:
    """The recording that covers [start - pre_capture, end + post_capture]: the segments of
    the continuous recording (no copy), when the camera records."""
    start = e.start - e.pre_capture
    end = (e.end if e.end is not None else e.last_motion) + e.post_capture
    files: list[str] = []
    if ctx.recorder is not None:
        for r in ctx.recorder.timeline(e.camera, start, end).ranges:
            files += [f for f in files_between(r.files, start, end) if f not in files]
    return {
        "start": round(start, 3),
        "end": round(end, 3),
        "start_time": iso_time(start),
        "end_time": iso_time(end),
        "files": [{"filename": f, "download_url": links.url("recordings", f)} for f in files],
    }


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
