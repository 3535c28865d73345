"""``/health`` (liveness + readiness, no auth) and ``/metrics`` (Prometheus text)."""

from __future__ import annotations

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from .stack import Stack, authed, call

pytestmark = pytest.mark.integration


async def fetch(stack: Stack, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(stack.http + path) as r:
        return r.status, await r.text()


async def test_health_is_live_and_reports_each_component(stack: Stack) -> None:
    async with aiohttp.ClientSession() as http, http.get(stack.http + "/health") as r:
        assert r.status == 200
        body = await r.json()
    assert body["live"] is True
    assert set(body["components"]) >= {"mediamtx", "camera_monitor", "api"}
    assert body["components"]["api"]["healthy"] is True
    # MediaMTX is really unreachable here: not ready, and it says so
    assert body["ready"] is False and body["status"] == "degraded"
    assert body["components"]["mediamtx"]["healthy"] is False


async def test_readiness_is_503_while_a_component_is_unhealthy(stack: Stack) -> None:
    status, _ = await fetch(stack, "/health/ready")
    assert status == 503


async def test_metrics_are_prometheus_text_with_request_counts(stack: Stack) -> None:
    ws = await authed(stack, "viewer")
    await call(ws, "get_camera_list")
    await call(ws, "nope")
    status, text = await fetch(stack, "/metrics")
    await ws.close()
    assert status == 200
    families = {f.name: f for f in text_string_to_metric_families(text)}
    requests = {
        s.labels["method"]: s.value
        for s in families["camera_service_rpc_requests"].samples
        if s.name.endswith("_total")
    }
    assert requests["get_camera_list"] == 1 and requests["authenticate"] == 1
    assert requests["(unknown)"] == 1
    assert "camera_service_ws_connections" in families
    assert "process_resident_memory_bytes" in {s.name for f in families.values() for s in f.samples}


async def test_metrics_registry_is_per_server(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> None:
    from .stack import api_stack

    async with api_stack(tmp_path_factory.mktemp("second")) as other:
        assert other.server.port != stack.server.port
        status, _ = await fetch(other, "/metrics")
        assert status == 200
