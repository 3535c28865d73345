"""The integration's counters for ``/metrics`` (a prometheus_client collector)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from .sources import MqttMetrics

PREFIX = "camera_service_mqtt"
COUNTERS = {
    "connects": "connections made to the broker",
    "disconnects": "connections lost",
    "published": "messages handed to the broker connection",
    "dropped": "messages not sent while disconnected (state is republished on connect)",
    "queue_overflows": "bus events dropped because the queue was full",
    "commands": "commands received",
    "commands_refused": "commands refused (allow-list, payload, busy)",
    "commands_failed": "commands that ran and failed",
}


class MqttCollector:
    def __init__(self, metrics: MqttMetrics, connected: Callable[[], bool]) -> None:
        self._m = metrics
        self._connected = connected

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(f"{PREFIX}_connected", "1 while connected to the broker",
                                value=1.0 if self._connected() else 0.0)  # fmt: skip
        for name, text in COUNTERS.items():
            yield CounterMetricFamily(f"{PREFIX}_{name}", text, value=getattr(self._m, name))
