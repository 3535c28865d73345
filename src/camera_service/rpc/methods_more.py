"""The method-table entries of network cameras added at run time, RTSP discovery
(``rpc/handlers_external.py``) and continuous recording (``rpc/handlers_recording_mode.py``):
``methods.METHODS`` takes them in as they are."""

from __future__ import annotations

from . import handlers_external as hx
from . import handlers_recording_mode as hrm
from .auth import Role
from .method import DEVICE, Method
from .params import Param

V, OP, A = Role.VIEWER, Role.OPERATOR, Role.ADMIN
_m = Method

ENTRIES: tuple[Method, ...] = (
    # -- external streams and RTSP discovery --
    _m(
        "add_external_stream",
        OP,
        hx.add_external_stream,
        "Add a network camera (RTSP URL) at run time; it is kept across restarts.",
        (
            Param("stream_url", "string", required=True, max_length=2048,
                  description="rtsp://[user:password@]host[:port]/path"),
            Param("stream_name", "string", max_length=200),
            Param("stream_type", "string", default="generic_rtsp", max_length=64),
        ),
    ),
    _m(
        "remove_external_stream",
        OP,
        hx.remove_external_stream,
        "Remove a network camera added with add_external_stream.",
        (Param("stream_url", "string", required=True, max_length=2048),),
    ),
    _m("get_external_streams", V, hx.get_external_streams, "The network cameras added at run time."),
    _m(
        "discover_external_streams",
        OP,
        hx.discover_external_streams,
        "RTSP streams answering a DESCRIBE at the candidates of cameras.discovery (cached; "
        "force_rescan scans again). Nothing is added.",
        (
            Param("skydio_enabled", "boolean", default=True),
            Param("generic_enabled", "boolean", default=False),
            Param("force_rescan", "boolean", default=False),
            Param("include_offline", "boolean", default=False),
        ),
    ),
    _m(
        "set_discovery_interval",
        A,
        hx.set_discovery_interval,
        "Scan for RTSP streams every scan_interval seconds; 0 stops the schedule.",
        (Param("scan_interval", "integer", required=True, minimum=0, description="seconds"),),
    ),
    _m(
        "set_recording_mode",
        OP,
        hrm.set_recording_mode,
        "Set a camera's recording: off, continuous, a weekly schedule (host time zone) or "
        "motion (a short buffer, made a recording from pre_capture before each motion event "
        "to post_capture after it); saved and kept across restarts. Keys not given keep their "
        "value.",
        (
            DEVICE,
            Param("mode", "string", enum=("off", "continuous", "schedule", "motion")),
            Param(
                "schedule",
                "array",
                items="object",
                description='[{"days": ["mon", ...], "start": "08:00", "end": "18:00"}]',
            ),
            Param("segment_seconds", "integer", minimum=1, maximum=86400),
            Param("format", "string", enum=("fmp4", "mp4", "mkv")),
            Param(
                "retention", "object", description='{"max_age_days": n, "max_size_gb": n}; {} removes it'
            ),
        ),
    ),
    _m("get_recording_mode", V, hrm.get_recording_mode, "A camera's recording mode and state.", (DEVICE,)),
    _m(
        "get_recording_timeline",
        V,
        hrm.get_recording_timeline,
        "A camera's recorded time ranges and the gaps between them with their causes.",
        (
            DEVICE,
            Param("from", "number", minimum=0, description="Unix seconds (default: first segment)"),
            Param("to", "number", minimum=0, description="Unix seconds (default: now)"),
        ),
    ),
)
