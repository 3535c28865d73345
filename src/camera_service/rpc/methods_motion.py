"""The method-table entries of motion detection and its events (``rpc/handlers_motion.py``):
``methods.METHODS`` takes them in as they are."""

from __future__ import annotations

from . import handlers_motion as hmo
from .auth import Role
from .method import DEVICE, Method
from .params import Param

V, OP, A = Role.VIEWER, Role.OPERATOR, Role.ADMIN
_m = Method
LIMIT = Param("limit", "integer", default=50, minimum=1, maximum=1000)
OFFSET = Param("offset", "integer", default=0, minimum=0)
EVENT_ID = Param("event_id", "string", required=True, max_length=128, description="an event's id")
ENTRIES: tuple[Method, ...] = (
    _m("get_motion_config", V, hmo.get_motion_config,
       "A camera's motion detection settings and state.", (DEVICE,)),
    _m(
        "set_motion_config",
        OP,
        hmo.set_motion_config,
        "Set a camera's motion detection; saved and kept across restarts. Keys not given keep "
        "their value.",
        (
            DEVICE,
            Param("enabled", "boolean"),
            Param("threshold", "integer", minimum=1, maximum=255,
                  description="pixel difference that counts as change (lower: more sensitive)"),
            Param("min_area", "number", minimum=0.01, maximum=100,
                  description="percent of the picture that must change"),
            Param("masks", "array", items="array",
                  description="polygons ignored, in relative coordinates: [[[x, y], ...], ...]"),
            Param("confirm_frames", "integer", minimum=1, maximum=50,
                  description="frames with motion in a row (5 a second) that start an event"),
            Param("quiet_seconds", "number", minimum=0.2, maximum=600,
                  description="seconds without motion that end an event"),
            Param("pre_capture", "number", minimum=0, maximum=600),
            Param("post_capture", "number", minimum=0, maximum=600),
        ),
    ),
    _m(
        "list_events",
        V,
        hmo.list_events,
        "Motion events, newest first, with signed links to their pictures and recordings.",
        (
            Param("device", "string", max_length=64, description="only this camera's events"),
            Param("since", "number", minimum=0, description="Unix seconds: events ending after"),
            Param("until", "number", minimum=0, description="Unix seconds: events starting before"),
            LIMIT,
            OFFSET,
        ),
    ),
    _m("get_event", V, hmo.get_event, "One motion event.", (EVENT_ID,)),
    _m("delete_event", A, hmo.delete_event, "Delete a motion event and its pictures.", (EVENT_ID,)),
)
