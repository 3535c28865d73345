"""compat.json's status: HEALTHY/DEGRADED/UNHEALTHY and one string per known component."""

from __future__ import annotations

import pytest

from camera_service.models import ComponentHealth as H
from camera_service.rpc.status import component_text, health_fields, overall

pytestmark = pytest.mark.unit

API = H("api", True, "serving")
MONITOR = H("camera_monitor", True, "running")
MTX = H("mediamtx", True, "connected", "MediaMTX 1.9 at http://127.0.0.1:9997")


def test_all_healthy_is_healthy_with_running_components() -> None:
    out = health_fields({"api": API, "camera_monitor": MONITOR, "mediamtx": MTX})
    assert out["status"] == "HEALTHY"
    assert out["components"] == dict.fromkeys(("websocket_server", "camera_monitor", "mediamtx"), "running")
    assert out["component_health"]["mediamtx"] == {
        "healthy": True, "state": "connected", "detail": MTX.detail
    }


def test_mediamtx_away_is_degraded_and_says_why() -> None:
    down = H("mediamtx", False, "unreachable", "connection refused")
    out = health_fields({"api": API, "camera_monitor": MONITOR, "mediamtx": down})
    assert out["status"] == "DEGRADED"
    assert out["components"]["mediamtx"] == "unreachable: connection refused"


@pytest.mark.parametrize(
    "components,status",
    [
        ({"api": H("api", False, "stopping"), "camera_monitor": MONITOR}, "UNHEALTHY"),
        ({"api": API, "camera_monitor": H("camera_monitor", False, "stopped")}, "UNHEALTHY"),
        ({"api": API, "camera_monitor": H("camera_monitor", False, "degraded", "udev")}, "DEGRADED"),
        ({"api": API, "camera_monitor": MONITOR, "storage": H("storage", False, "low_space")}, "DEGRADED"),
        ({"api": API, "camera_monitor": H("camera_monitor", False, "starting")}, "UNHEALTHY"),
    ],
)
def test_overall_status(components: dict[str, H], status: str) -> None:
    assert overall(components) == status


def test_component_text_without_detail_or_component() -> None:
    assert component_text(H("x", False, "starting")) == "starting"
    assert component_text(None) == "not running"
