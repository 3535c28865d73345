"""The API's methods. Each takes ``(ctx, session, args)`` with ``args`` already checked
against its ``Param`` list (see ``methods.METHODS``) and returns a JSON-able result.
Handlers speak only to ``ports`` Protocols through the context."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from ..errors import AuthError, InvalidParams, MediaMTXError
from ..models import TOPICS
from ..models_recordings import RetentionPolicy
from . import present
from .auth import PERMISSIONS
from .context import RpcContext
from .session import Session
from .topics import canonical, ordered

Args = dict[str, Any]


log = logging.getLogger(__name__)

async def ping(ctx: RpcContext, session: Session, args: Args) -> Any:
    return "pong"


async def authenticate(ctx: RpcContext, session: Session, args: Args) -> Any:
    fields = {"COMPONENT": "api", "RPC_METHOD": "authenticate", "CLIENT": session.session_id}
    token = args["auth_token"] if args["auth_token"] is not None else args["token"]
    if token is None:
        raise InvalidParams(
            "auth_token", "missing required parameter 'auth_token' (or 'token'): a JWT or an API key"
        )
    try:
        principal = ctx.authenticator.authenticate(token, args["auth_type"])
    except AuthError as e:
        session.principal = None
        log.info("authentication refused: %s", e, extra=fields)
        raise
    session.principal = principal
    log.info("authenticated %s as %s (%s)", principal.user_id, principal.role.label,
             principal.method, extra=fields)
    return {
        "authenticated": True,
        "role": principal.role.label,
        "permissions": list(PERMISSIONS[principal.role]),
        **({"expires_at": present.iso_time(principal.expires_at)} if principal.expires_at else {}),
        "session_id": session.session_id,
    }


# -- cameras ---------------------------------------------------------------------------------


async def get_camera_list(ctx: RpcContext, session: Session, args: Args) -> Any:
    cameras = ctx.cameras.cameras()
    return {
        "cameras": [present.camera_object(c, ctx.stream_urls(c.id)) for c in cameras],
        "total": len(cameras),
        "connected": sum(1 for c in cameras if c.connected),
    }


async def get_camera_status(ctx: RpcContext, session: Session, args: Args) -> Any:
    camera = ctx.cameras.get(args["device"])
    out = present.camera_object(camera, ctx.stream_urls(camera.id))
    bytes_sent: int | None = None
    readers: int | None = None
    # whether MediaMTX has the camera's path and the stream is up (None: cannot tell now)
    stream: dict[str, Any] = {"path": ctx.stream_name(camera.id), "in_mediamtx": None,
                              "ready": False}
    if ctx.streams is not None:
        try:
            # the report's readers leave out the service's own keepalive pull, as
            # get_stream_status does
            report = await ctx.streams.stream_report(camera)
        except MediaMTXError:
            pass  # the camera's own status is still worth answering; stream figures unknown
        else:
            bytes_sent, readers = report.state.bytes_sent, report.state.readers
            stream.update(in_mediamtx=report.path_exists, ready=report.state.ready)
    out["stream"] = stream
    uptime = ctx.clock.time() - camera.changed_at if camera.connected else 0.0
    out["metrics"] = {"bytes_sent": bytes_sent, "readers": readers, "uptime": round(uptime, 3)}
    caps = present.capabilities_object(camera)
    out["capabilities"] = {"formats": caps["formats"], "resolutions": caps["resolutions"]}
    out["recording"] = _active_recording(ctx, camera.id)
    return out


def _active_recording(ctx: RpcContext, camera_id: str) -> dict[str, Any] | None:
    """The camera's recording in progress (an extra field of ``get_camera_status``), so a
    client that opens a camera later sees it; ``None`` when it is not recording."""
    if ctx.media is None:
        return None
    for rec in ctx.media.active_recordings():
        if rec.camera_id == camera_id:
            return present.recording_active(rec)
    return None


async def get_recording_status(ctx: RpcContext, session: Session, args: Args) -> Any:
    """The camera's recording in progress, or ``None`` (the reference SDK reads a falsy
    result as "not recording")."""
    camera = ctx.cameras.get(args["device"])
    active = _active_recording(ctx, camera.id)
    return None if active is None else {"device": camera.id, "status": "RECORDING", **active}


async def get_camera_capabilities(ctx: RpcContext, session: Session, args: Args) -> Any:
    return present.capabilities_object(ctx.cameras.get(args["device"]))


# -- media -----------------------------------------------------------------------------------


async def take_snapshot(ctx: RpcContext, session: Session, args: Args) -> Any:
    camera = ctx.cameras.get(args["device"])
    snap = await ctx.require_media().take_snapshot(camera, args["filename"])
    return present.snapshot_object(snap, ctx.file_links())


async def start_recording(ctx: RpcContext, session: Session, args: Args) -> Any:
    camera = ctx.cameras.get(args["device"])
    rec = await ctx.require_media().start_recording(camera, args["duration"], args["format"])
    return present.recording_started(rec)


async def stop_recording(ctx: RpcContext, session: Session, args: Args) -> Any:
    camera = ctx.cameras.get(args["device"])
    rec = await ctx.require_media().stop_recording(camera.id)
    return present.recording_stopped(rec, ctx.file_links())


# -- files -----------------------------------------------------------------------------------


def _list(kind: str) -> Any:
    async def handler(ctx: RpcContext, session: Session, args: Args) -> Any:
        entries, total = await ctx.require_files().list_files(kind, args["limit"], args["offset"])
        links = ctx.file_links()
        return {
            "files": [present.file_object(e, links) for e in entries],
            "total": total,
            "limit": args["limit"],
            "offset": args["offset"],
        }

    return handler


def _info(kind: str) -> Any:
    async def handler(ctx: RpcContext, session: Session, args: Args) -> Any:
        info = await ctx.require_files().file_info(kind, args["filename"])
        return present.file_info_object(info, ctx.file_links())

    return handler


def _delete(kind: str) -> Any:
    async def handler(ctx: RpcContext, session: Session, args: Args) -> Any:
        await ctx.require_files().delete_file(kind, args["filename"])
        return {"filename": args["filename"], "deleted": True}

    return handler


list_recordings, list_snapshots = _list("recordings"), _list("snapshots")
get_recording_info, get_snapshot_info = _info("recordings"), _info("snapshots")
delete_recording, delete_snapshot = _delete("recordings"), _delete("snapshots")


async def get_storage_info(ctx: RpcContext, session: Session, args: Args) -> Any:
    files = ctx.require_files()
    # the retention policy in force (saved by set_retention_policy, else the configuration's)
    # beside compat.json's StorageInfo fields
    return {**dataclasses.asdict(await files.storage_info()),
            "retention_policy": _policy(files.retention_policy())}


def _policy(p: RetentionPolicy) -> dict[str, Any]:
    return {
        "policy_type": p.policy_type,
        "max_age_days": round(p.max_age_days) if float(p.max_age_days).is_integer() else p.max_age_days,
        "max_size_gb": p.max_size_gb,
        "enabled": p.enabled,
    }


async def set_retention_policy(ctx: RpcContext, session: Session, args: Args) -> Any:
    files = ctx.require_files()
    current = files.retention_policy()
    policy = RetentionPolicy(
        enabled=args["enabled"],
        policy_type=args["policy_type"],
        max_age_days=args["max_age_days"] if args["max_age_days"] is not None else current.max_age_days,
        max_size_gb=args["max_size_gb"] if args["max_size_gb"] is not None else current.max_size_gb,
    )
    return _policy(await files.set_retention_policy(policy))


async def cleanup_old_files(ctx: RpcContext, session: Session, args: Args) -> Any:
    result = await ctx.require_files().cleanup()
    out: dict[str, Any] = {
        "cleanup_executed": result.executed,
        "files_deleted": result.files_deleted,
        "space_freed": result.space_freed,
    }
    if not result.executed:
        out["reason"] = result.reason
    return out




# -- notifications ---------------------------------------------------------------------------


def _devices(filters: dict[str, Any] | None) -> frozenset[str] | None:
    if not filters or filters.get("device") is None:
        return None
    device = filters["device"]
    if isinstance(device, str):
        return frozenset([device])
    if isinstance(device, list) and all(isinstance(d, str) for d in device):
        return frozenset(device)
    raise InvalidParams("filters", "'filters.device' must be a camera id or a list of them")


def _subscription(session: Session) -> dict[str, Any]:
    topics = ordered(session.topics) if session.topics is not None else list(TOPICS)
    filters = {"device": sorted(session.devices)} if session.devices is not None else {}
    return {"subscribed": bool(topics), "topics": topics, "filters": filters}


async def subscribe_events(ctx: RpcContext, session: Session, args: Args) -> Any:
    topics = canonical(args["topics"]) or frozenset(TOPICS)  # [] means every topic
    if args["filters"] is not None:
        session.devices = _devices(args["filters"])
    session.topics = (session.topics or frozenset()) | topics
    return _subscription(session)


async def unsubscribe_events(ctx: RpcContext, session: Session, args: Args) -> Any:
    if args["topics"] is None:
        session.topics = frozenset()
    else:
        current = session.topics if session.topics is not None else frozenset(TOPICS)
        session.topics = current - canonical(args["topics"])
    return {"unsubscribed": True, **_subscription(session)}
