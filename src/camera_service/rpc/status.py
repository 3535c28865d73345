"""The service's health as compat.json shapes it (pure).

``get_status`` / ``get_system_status`` / ``get_server_info`` answer ``status``
HEALTHY | DEGRADED | UNHEALTHY and ``components`` whose values are *strings* for the three
components clients know (``websocket_server``, ``camera_monitor``, ``mediamtx``):
``"running"`` when healthy, otherwise the component's state with its reason
(``"unreachable: connection refused"``). Our own richer health (every component, each with
``healthy``/``state``/``detail``) goes under ``component_health``.

UNHEALTHY means the service cannot do its core job: the API is not serving, or the camera
monitor is neither running nor merely degraded (starting, stopped). Any other unhealthy
component (MediaMTX away, storage low) makes it DEGRADED.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..models import ComponentHealth

HEALTHY, DEGRADED, UNHEALTHY = "HEALTHY", "DEGRADED", "UNHEALTHY"
RUNNING = "running"

# compat.json's component names → ours (``api`` is the WebSocket/HTTP server)
COMPAT_COMPONENTS = {"websocket_server": "api", "camera_monitor": "camera_monitor", "mediamtx": "mediamtx"}


def component_text(health: ComponentHealth | None) -> str:
    if health is None:
        return "not running"
    if health.healthy:
        return RUNNING
    return f"{health.state}: {health.detail}" if health.detail else health.state


def overall(components: Mapping[str, ComponentHealth]) -> str:
    if all(h.healthy for h in components.values()):
        return HEALTHY
    api, monitor = components.get("api"), components.get("camera_monitor")
    if api is None or not api.healthy:
        return UNHEALTHY
    if monitor is None or (not monitor.healthy and monitor.state != "degraded"):
        return UNHEALTHY
    return DEGRADED


def health_fields(components: Mapping[str, ComponentHealth]) -> dict[str, Any]:
    """``status``, ``components`` (strings) and ``component_health`` (objects)."""
    return {
        "status": overall(components),
        "components": {
            name: component_text(components.get(ours)) for name, ours in COMPAT_COMPONENTS.items()
        },
        "component_health": {
            name: {"healthy": h.healthy, "state": h.state, "detail": h.detail}
            for name, h in components.items()
        },
    }
