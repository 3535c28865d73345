"""testinfra suite for a host with camera-service installed (marker ``system``).

Run it against any host; without ``--hosts`` nothing here is collected, so the normal
``make test`` on a development machine does not look at the machine it runs on::

    pytest tests/host --hosts=ssh://root@cam-host-1 [--ssh-identity-file=KEY]
    pytest tests/host --hosts=local://          # on the host itself, as root
    pytest tests/host --hosts=... --camera-service-address=192.0.2.5

The network checks (``/health``, WebSocket) run from this machine against
``--camera-service-address`` (default: the host's name, 127.0.0.1 for ``local://``) and the
port in the host's effective configuration. When a service check fails, the last lines of
``journalctl -u camera-service`` are attached to the report.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest
import yaml

UNIT = "camera-service.service"
CONFIG = "/etc/camera-service/config.yaml"


def _hosts_given(config: pytest.Config) -> bool:
    try:
        return bool(config.getoption("hosts"))
    except ValueError:  # testinfra's plugin is not installed
        return False


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--camera-service-address", default=None,
        help="address of the host's API as seen from here (default: the host's name)",
    )


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    # only the files of this folder: without a host given there is nothing to test
    return True if not _hosts_given(config) else None


@pytest.fixture(scope="module")
def effective_config(host: Any) -> dict[str, Any]:
    """The host's effective configuration (``camera-service --check-config``, secrets masked)."""
    out = host.run(f"camera-service --check-config --config {CONFIG}")
    assert out.rc == 0, f"--check-config failed ({out.rc}):\n{out.stderr}"
    return dict(yaml.safe_load(out.stdout))


@pytest.fixture(scope="module")
def api_port(effective_config: dict[str, Any]) -> int:
    return int(effective_config["server"]["port"])


@pytest.fixture(scope="module")
def api_address(host: Any, request: pytest.FixtureRequest) -> str:
    given = request.config.getoption("camera_service_address")
    if given:
        return str(given)
    name = str(host.backend.hostname)
    return "127.0.0.1" if host.backend.get_connection_type() == "local" else name


@pytest.fixture(scope="module")
def viewer_token(host: Any) -> str:
    out = host.run(f"camera-ctl token --role viewer --config {CONFIG}")
    assert out.rc == 0, f"camera-ctl token failed ({out.rc}):\n{out.stderr}"
    return str(out.stdout.strip())


@pytest.fixture(scope="module")
def operator_token(host: Any) -> str:
    out = host.run(f"camera-ctl token --role operator --config {CONFIG}")
    assert out.rc == 0, f"camera-ctl token failed ({out.rc}):\n{out.stderr}"
    return str(out.stdout.strip())


def journal_entries(host: Any, lines: int = 500) -> list[dict[str, Any]]:
    out = host.run(f"journalctl -u {UNIT} -o json --no-pager -n {lines}")
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed and "host" in getattr(item, "fixturenames", ()):
        host = item.funcargs.get("host")  # type: ignore[attr-defined]
        if host is not None:
            status = host.run(f"systemctl status {UNIT} --no-pager -l")
            journal = host.run(f"journalctl -u {UNIT} --no-pager -n 60")
            report.sections.append(
                ("journalctl -u camera-service", f"{status.stdout}\n{journal.stdout}")
            )
