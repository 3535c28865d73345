"""Continuous and scheduled recording: ``set_recording_mode``, ``get_recording_mode``,
``get_recording_timeline``. Durations are integer seconds; instants are ISO 8601 UTC
(``*_time``) with the exact Unix seconds beside them (``start``/``end``)."""

from __future__ import annotations

from typing import Any

from ..errors import InvalidParams
from .context import RpcContext
from .present import iso_time
from .session import Session

Args = dict[str, Any]
MODE_KEYS = ("mode", "schedule", "segment_seconds", "format", "retention")
MAX_SPAN = 366 * 86400.0


def _mode_object(ctx: RpcContext, camera_id: str) -> dict[str, Any]:
    recorder = ctx.require_recorder()
    state = recorder.state(camera_id)
    return {
        "device": camera_id,
        **recorder.spec_for(camera_id).as_dict(),
        "source": recorder.mode_source(camera_id),
        "status": state["status"],
        "phase": state["phase"],
        "reason": state["reason"],
        "since": iso_time(state["since"]),
        "current_file": state["current_file"],
        "buffer": state["buffer"],
    }


async def get_recording_mode(ctx: RpcContext, session: Session, args: Args) -> Any:
    camera = ctx.cameras.get(args["device"])
    return _mode_object(ctx, camera.id)


async def set_recording_mode(ctx: RpcContext, session: Session, args: Args) -> Any:
    camera = ctx.cameras.get(args["device"])
    changes = {k: args[k] for k in MODE_KEYS if args.get(k) is not None}
    if args.get("retention") == {}:
        changes["retention"] = None
    await ctx.require_recorder().set_mode(camera.id, changes)
    return _mode_object(ctx, camera.id)


async def get_recording_timeline(ctx: RpcContext, session: Session, args: Args) -> Any:
    camera = ctx.cameras.get(args["device"])
    frm, to = args.get("from"), args.get("to")
    if frm is not None and to is not None and to <= frm:
        raise InvalidParams("to", "'to' must be after 'from'")
    if frm is not None and to is not None and to - frm > MAX_SPAN:
        raise InvalidParams("to", "at most 366 days at a time")
    timeline = ctx.require_recorder().timeline(camera.id, frm, to)
    return {
        "device": camera.id,
        "ranges": [
            {
                "start": round(r.start, 3),
                "end": round(r.end, 3),
                "start_time": iso_time(r.start),
                "end_time": iso_time(r.end),
                "duration": round(r.end - r.start),
                "files": list(r.files),
                "open": r.open,
            }
            for r in timeline.ranges
        ],
        "gaps": [
            {
                "start": round(g.start, 3),
                "end": round(g.end, 3),
                "start_time": iso_time(g.start),
                "end_time": iso_time(g.end),
                "duration": round(g.end - g.start),
                "cause": g.cause,
            }
            for g in timeline.gaps
        ],
        "covered": round(timeline.covered),
    }
