"""MQTT and Home Assistant integration (``mqtt:`` in the config, off by default).

``topics``/``messages``/``discovery``/``commands`` are pure builders; ``client`` wraps
paho-mqtt (its network loop in its own thread); ``service`` is the component fed by the
event bus; ``metrics`` exposes its counters.
"""

from .client import MqttClient
from .metrics import MqttCollector
from .service import MqttService
from .sources import Sources

__all__ = ["MqttClient", "MqttCollector", "MqttService", "Sources"]
