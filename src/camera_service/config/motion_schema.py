"""``cameras.motion``: the motion keys (the default of every camera) and ``cameras`` with
per-camera overrides of them, checked by ``motion.settings``. Pure, like ``schema``."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import voluptuous as vol

from ..motion.settings import KEYS, MotionSpec, spec_from_mapping
from .validators import CAMERA_ID, got, invalid_at, kind_of, number

EXTRA = ("cameras", "retain_days")


def _spec(data: dict[str, Any], base: MotionSpec | None, where: list[Any]) -> MotionSpec:
    try:
        return spec_from_mapping(data, base)
    except ValueError as e:
        raise invalid_at(e, where) from None


def motion(value: Any) -> dict[str, Any]:
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise vol.Invalid(f"expected a mapping, got {kind_of(value)}")
    for key in value:
        if key not in (*KEYS, *EXTRA):
            raise vol.Invalid("extra keys not allowed", path=[key])
    default = _spec({k: v for k, v in value.items() if k in KEYS}, None, [])
    per_camera = value.get("cameras") or {}
    if not isinstance(per_camera, dict):
        raise vol.Invalid(
            f"expected a mapping of camera id to settings, got {kind_of(per_camera)}",
            path=["cameras"],
        )
    cams: dict[str, MotionSpec] = {}
    for cam, data in per_camera.items():
        if not isinstance(cam, str) or not CAMERA_ID.match(cam):
            raise vol.Invalid(f"expected an id like camera0, got {got(cam)}", path=["cameras", cam])
        if not isinstance(data, dict):
            raise vol.Invalid(f"expected a mapping, got {kind_of(data)}", path=["cameras", cam])
        cams[cam] = _spec(data, default, ["cameras", cam])
    out: dict[str, Any] = {"default": default, "cameras": MappingProxyType(cams)}
    if "retain_days" in value:
        try:
            out["retain_days"] = number(0)(value["retain_days"])
        except vol.Invalid as e:
            raise vol.Invalid(e.msg, path=["retain_days"]) from None
    return out
