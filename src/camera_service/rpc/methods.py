"""The method table: one entry per API method drives dispatch, the role check, parameter
checking and the OpenRPC document (``rpc.discover``)."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from ..errors import AuthError, PermissionDenied
from ..models import TOPICS
from . import handlers as h
from . import handlers_service as hs
from . import handlers_streams as hstr
from . import methods_more
from .auth import Role
from .context import RpcContext
from .devices import resolve_device
from .errors import METHOD_NOT_FOUND, RpcError, rate_limited
from .method import DEVICE, Method
from .openrpc import document
from .params import Param, bind
from .schemas import result_schema
from .schemas_recording import SCHEMAS as OWN_SCHEMAS
from .session import Session
from .topics import ALIASES

# Methods whose handlers never wait for I/O (in-memory state, or quick synchronous calls of
# the ports): a transport may run them in line instead of in a task of their own.
INLINE = frozenset(
    {
        "ping",
        "authenticate",
        "rpc.discover",
        "get_camera_list",
        "get_camera_capabilities",
        "get_recording_status",
        "get_status",
        "get_server_info",
        "get_system_status",
        "get_subscription_stats",
        "subscribe_events",
        "unsubscribe_events",
    }
)


# Methods that act (change recordings, files, streams or settings): their results carry the
# extra field ``success: true``, which the reference project's clients check. Methods that
# only read, and those that change only the caller's own session (authenticate, subscribe,
# unsubscribe, which answer authenticated/subscribed/unsubscribed), do not.
ACTS = frozenset(
    {
        "take_snapshot",
        "start_recording",
        "stop_recording",
        "delete_recording",
        "delete_snapshot",
        "start_streaming",
        "stop_streaming",
        "set_retention_policy",
        "cleanup_old_files",
        "add_external_stream",
        "remove_external_stream",
        "set_discovery_interval",
        "set_recording_mode",
    }
)
SUCCESS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"success": {"const": True}},
    "required": ["success"],
}


FILENAME = Param("filename", "string", required=True, description="plain file name", max_length=255)
LIMIT = Param("limit", "integer", default=50, minimum=1, maximum=1000)
OFFSET = Param("offset", "integer", default=0, minimum=0)
TOPICS_PARAM = Param(
    "topics",
    "array",
    required=True,
    items="string",
    description=", ".join(TOPICS) + "; or notification names, each selecting its group: "
    + ", ".join(f"{k} = {' '.join(v)}" for k, v in ALIASES.items()),
)

WITH_TOKEN = Param("with_token", "boolean", default=False,
                   description="also stream URLs with a short-lived viewer token in them")

V, OP, A = Role.VIEWER, Role.OPERATOR, Role.ADMIN
_m = Method
_TABLE: tuple[Method, ...] = (
    _m("ping", None, h.ping, 'Liveness check; answers "pong".', result="string"),
    _m(
        "authenticate",
        None,
        h.authenticate,
        "Authenticate this connection with a JWT or API key (auth_token, or token as older "
        "clients send it; one of them is required).",
        (
            Param("auth_token", "string", max_length=8192, description="JWT or API key"),
            Param("token", "string", max_length=8192, description="the same, as older clients name it"),
            Param(
                "auth_type",
                "string",
                default="auto",
                enum=("jwt", "api_key", "auto"),
                description="jwt tries only JWT, api_key only the key file, auto picks by shape",
            ),
        ),
    ),
    _m("get_camera_list", V, h.get_camera_list, "All known cameras."),
    _m("get_camera_status", V, h.get_camera_status,
       "One camera with stream metrics and its recording in progress.", (DEVICE,)),
    _m("get_camera_capabilities", V, h.get_camera_capabilities, "Formats, sizes, rates.", (DEVICE,)),
    _m(
        "take_snapshot",
        OP,
        h.take_snapshot,
        "Take a JPEG snapshot.",
        (DEVICE, Param("filename", "string", max_length=255)),
    ),
    _m(
        "start_recording",
        OP,
        h.start_recording,
        "Start recording a camera.",
        (
            DEVICE,
            Param("duration", "number", minimum=0, exclusive_minimum=True, description="seconds"),
            Param("format", "string", enum=("fmp4", "mp4", "mkv")),
        ),
    ),
    _m("stop_recording", OP, h.stop_recording, "Stop a camera's recording.", (DEVICE,)),
    _m("get_recording_status", V, h.get_recording_status,
       "A camera's recording in progress, or null when it is not recording.", (DEVICE,)),
    _m("list_recordings", V, h.list_recordings, "Recordings, newest first.", (LIMIT, OFFSET)),
    _m("list_snapshots", V, h.list_snapshots, "Snapshots, newest first.", (LIMIT, OFFSET)),
    _m("get_recording_info", V, h.get_recording_info, "One recording.", (FILENAME,)),
    _m("get_snapshot_info", V, h.get_snapshot_info, "One snapshot.", (FILENAME,)),
    _m("delete_recording", A, h.delete_recording, "Delete a recording.", (FILENAME,)),
    _m("delete_snapshot", A, h.delete_snapshot, "Delete a snapshot.", (FILENAME,)),
    _m("get_stream_url", V, hstr.get_stream_url, "A camera's stream URL and readiness.",
       (DEVICE, WITH_TOKEN)),
    _m("get_stream_status", V, hstr.get_stream_status, "A camera's stream: status, MediaMTX path.",
       (DEVICE,)),
    _m("get_streams", V, hstr.get_streams, "Every camera path's MediaMTX state.", result="array"),
    _m("get_storage_info", A, h.get_storage_info,
       "Disk space of the media folders and the retention policy in force."),
    _m(
        "set_retention_policy",
        A,
        h.set_retention_policy,
        "Set the retention policy; it is saved and kept across restarts.",
        (
            Param("policy_type", "string", required=True, enum=("age", "size")),
            Param("max_age_days", "number", minimum=0, exclusive_minimum=True),
            Param("max_size_gb", "number", minimum=0, exclusive_minimum=True),
            Param("enabled", "boolean", required=True),
        ),
    ),
    _m(
        "cleanup_old_files",
        A,
        h.cleanup_old_files,
        "Apply the retention policy now; cleanup_executed is false, with a reason, when it is "
        "disabled.",
    ),
    _m("get_metrics", A, hs.get_metrics, "Request, connection and process metrics."),
    _m("get_status", A, hs.get_status, "Service status and component health."),
    _m("get_server_info", V, hs.get_server_info, "Service version and component health."),
    _m(
        "subscribe_events",
        V,
        h.subscribe_events,
        "Receive only these notification topics.",
        (TOPICS_PARAM, Param("filters", "object", description="{device: id or [ids]}")),
    ),
    _m(
        "unsubscribe_events",
        V,
        h.unsubscribe_events,
        "Stop receiving topics (all when omitted).",
        (Param("topics", "array", items="string"),),
    ),
    _m(
        "start_streaming",
        OP,
        hstr.start_streaming,
        "Keep a camera's stream published (not only on demand) until stop_streaming or "
        "auto_close_after (mediamtx.stream_keepalive).",
        (DEVICE,),
    ),
    _m("stop_streaming", OP, hstr.stop_streaming, "End a stream kept by start_streaming.", (DEVICE,)),
    _m("get_system_status", A, hs.get_system_status, "The same as get_status."),
    _m(
        "get_subscription_stats",
        V,
        hs.get_subscription_stats,
        "Subscriptions of every live connection, and this connection's own topics.",
    ),
    *methods_more.ENTRIES,
)


async def _discover(ctx: RpcContext, session: Session, args: dict[str, Any]) -> Any:
    return document(METHODS.values(), ctx.version)


def _with_schema(m: Method) -> Method:
    schema = m.result_schema or result_schema(m.name) or OWN_SCHEMAS.get(m.name) or {"type": m.result}
    acts = m.name in ACTS
    if acts:
        schema = {"allOf": [schema, SUCCESS_SCHEMA]}
    return dataclasses.replace(m, result_schema=schema, acts=acts)


METHODS: dict[str, Method] = {m.name: _with_schema(m) for m in _TABLE}
METHODS["rpc.discover"] = Method(
    "rpc.discover", None, _discover, "The OpenRPC document of this API.",
    result_schema={"type": "object", "required": ["openrpc", "methods"]},
)  # fmt: skip

UNKNOWN = "(unknown)"
WAITING = frozenset(METHODS) - INLINE  # methods that may wait for MediaMTX, ffmpeg or disk


class Dispatcher:
    """Calls methods for one session: rate limit, method lookup, expiry and role check,
    parameter binding, the handler, and the metrics of each call."""

    def __init__(self, ctx: RpcContext, methods: dict[str, Method] | None = None) -> None:
        self.ctx = ctx
        self.methods = methods if methods is not None else METHODS

    def authorize(self, session: Session, method: Method) -> None:
        if method.role is None:
            return
        principal = session.principal
        if principal is None:
            raise AuthError("authentication required")
        try:
            self.ctx.authenticator.check(principal)
        except AuthError:
            session.principal = None
            raise
        if principal.role < method.role:
            raise PermissionDenied(method.role.label, principal.role.label)

    async def call(self, session: Session, name: str, params: Any) -> Any:
        if session.bucket is not None:
            wait = session.bucket.take(self.ctx.clock.monotonic())
            if wait > 0:
                self.ctx.metrics.rate_limited += 1
                raise rate_limited(wait)
        method = self.methods.get(name)
        start = time.perf_counter()
        ok = False
        try:
            if method is None:
                raise RpcError(METHOD_NOT_FOUND, data={"method": name[:100]})
            self.authorize(session, method)
            args = resolve_device(self.ctx.cameras, bind(method.params, params))
            result = await method.handler(self.ctx, session, args)
            if method.acts and isinstance(result, dict):
                result = {**result, "success": True}
            ok = True
            return result
        finally:
            self.ctx.metrics.observe(name if method is not None else UNKNOWN, time.perf_counter() - start, ok)
