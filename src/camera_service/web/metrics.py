"""Prometheus exposition of the API's numbers, one ``CollectorRegistry`` per server."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, ProcessCollector
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from ..models import CameraStatus
from ..rpc.context import RpcContext
from ..rpc.metrics import BUCKETS

PREFIX = "camera_service"


class ApiCollector:
    def __init__(self, ctx: RpcContext, connections: Callable[[], int]) -> None:
        self._ctx = ctx
        self._connections = connections

    def describe(self) -> list[Metric]:
        return []  # collected on scrape only (the values are read then)

    def collect(self) -> Iterator[Metric]:
        ctx, m = self._ctx, self._ctx.metrics
        requests = CounterMetricFamily(f"{PREFIX}_rpc_requests", "JSON-RPC calls", labels=["method"])
        errors = CounterMetricFamily(f"{PREFIX}_rpc_errors", "JSON-RPC calls that failed", labels=["method"])
        latency = HistogramMetricFamily(
            f"{PREFIX}_rpc_duration_seconds", "JSON-RPC handling time", labels=["method"]
        )
        for name, s in sorted(m.methods.items()):
            requests.add_metric([name], s.count)
            errors.add_metric([name], s.errors)
            cumulative, buckets = 0, []
            for bound, n in zip((*map(str, BUCKETS), "+Inf"), s.buckets, strict=True):
                cumulative += n
                buckets.append((bound, cumulative))
            latency.add_metric([name], buckets, s.total_seconds)
        yield requests
        yield errors
        yield latency
        yield GaugeMetricFamily(
            f"{PREFIX}_ws_connections", "open WebSocket connections", value=self._connections()
        )
        yield CounterMetricFamily(
            f"{PREFIX}_ws_accepted", "WebSocket connections accepted", value=m.total_connections
        )
        yield CounterMetricFamily(
            f"{PREFIX}_ws_rejected", "WebSocket upgrades refused (limit)", value=m.rejected_connections
        )
        yield CounterMetricFamily(
            f"{PREFIX}_ws_dropped", "slow or dead clients dropped", value=m.dropped_clients
        )
        yield CounterMetricFamily(
            f"{PREFIX}_notifications_sent", "notifications queued to clients", value=m.notifications_sent
        )
        yield CounterMetricFamily(
            f"{PREFIX}_rate_limited", "calls refused by the rate limit", value=m.rate_limited
        )
        cams = GaugeMetricFamily(f"{PREFIX}_cameras", "cameras by status", labels=["status"])
        cameras = ctx.cameras.cameras()
        for status in CameraStatus:
            cams.add_metric([status.value], sum(1 for c in cameras if c.status is status))
        yield cams
        health = GaugeMetricFamily(
            f"{PREFIX}_component_healthy", "1 when the component is healthy", labels=["component"]
        )
        for name, h in ctx.components().items():
            health.add_metric([name], 1.0 if h.healthy else 0.0)
        yield health
        active = len(ctx.media.active_recordings()) if ctx.media is not None else 0
        yield GaugeMetricFamily(f"{PREFIX}_recordings_active", "recordings in progress", value=active)
        yield GaugeMetricFamily(
            f"{PREFIX}_uptime_seconds", "seconds since the service started", value=ctx.uptime()
        )


def make_registry(ctx: RpcContext, connections: Callable[[], int]) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ApiCollector(ctx, connections))  # type: ignore[arg-type]
    ProcessCollector(registry=registry)
    return registry
