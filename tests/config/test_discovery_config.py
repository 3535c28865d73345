"""``cameras.discovery`` in the schema (pure): defaults, and every bad value reported with
its key and the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from camera_service.config import validate
from camera_service.config.model import DiscoveryConfig
from camera_service.errors import ConfigError

pytestmark = pytest.mark.unit

SECRET = {"auth": {"jwt_secret": "s" * 32}}


def problems(discovery: Any) -> list[str]:
    with pytest.raises(ConfigError) as info:
        validate({**SECRET, "cameras": {"discovery": discovery}}, Path("/nonexistent-base"))
    return info.value.lines()


def test_discovery_is_off_by_default_with_the_usual_rtsp_ports() -> None:
    d = validate(SECRET).cameras.discovery
    assert d == DiscoveryConfig() and not d.enabled and d.ports == (554, 8554)
    assert d.scan_interval == 0


def test_hosts_ranges_ports_and_paths_are_read_as_tuples() -> None:
    cfg = validate({**SECRET, "cameras": {"discovery": {
        "enabled": True, "hosts": ["127.0.0.1", "192.168.1.0/28", "cam.local"], "ports": [8554],
        "paths": ["/live", "cam0"], "concurrency": 4, "timeout": 1, "scan_timeout": 5,
        "scan_interval": 300, "max_hosts": 64}}})
    d = cfg.cameras.discovery
    assert d.hosts == ("127.0.0.1", "192.168.1.0/28", "cam.local") and d.ports == (8554,)
    assert d.paths == ("/live", "cam0") and d.scan_interval == 300 and d.timeout == 1.0


@pytest.mark.parametrize(("discovery", "expected"), [
    ({"hosts": ["10.0.0.0/33"]}, "cameras.discovery.hosts[0]: expected a CIDR range"),
    ({"hosts": ["a b"]}, "cameras.discovery.hosts[0]: expected a host name"),
    ({"ports": [0]}, "cameras.discovery.ports[0]: expected an integer in 1..65535"),
    ({"ports": []}, "cameras.discovery.ports: expected at least one port"),
    ({"paths": ["/a b"]}, "cameras.discovery.paths[0]: expected an RTSP path"),
    ({"concurrency": 0}, "cameras.discovery.concurrency: expected an integer in 1..1024"),
    ({"timeout": 0}, "cameras.discovery.timeout: expected a number > 0"),
    ({"scan_interval": 2}, "cameras.discovery.scan_interval: must be 0 (no schedule) or at least 5 s"),
    ({"scan_interval": -1}, "cameras.discovery.scan_interval: expected an integer"),
    ({"enabled": True}, "cameras.discovery.hosts: required when discovery is enabled"),
    ({"enabled": "yes"}, "cameras.discovery.enabled: expected true or false"),
    ({"hostz": []}, "cameras.discovery.hostz: unknown key; did you mean 'hosts'?"),
    ([1], "cameras.discovery: expected a mapping"),
])
def test_bad_discovery_settings_name_the_key(discovery: Any, expected: str) -> None:
    assert any(line.startswith(expected) for line in problems(discovery)), problems(discovery)
