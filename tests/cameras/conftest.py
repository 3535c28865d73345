"""Fixtures for the camera tests: umockdev availability, the C920 table, an RTSP camera,
monitor processes over umockdev."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from support.fixtures import rtsp_server  # noqa: F401
from support.monitor_process import MonitorProcess
from support.umockdev_v4l2 import C920, available


@functools.lru_cache(maxsize=1)
def _umockdev_missing() -> str | None:
    return available()


@pytest.fixture
def require_umockdev() -> None:
    if reason := _umockdev_missing():
        pytest.skip(f"no umockdev: {reason}")


@pytest.fixture(scope="session")
def c920_table() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(Path(C920).read_text())
    return data


@pytest.fixture
def start_monitor(
    require_umockdev: None, tmp_path: Path
) -> Iterator[Callable[..., MonitorProcess]]:
    """``start_monitor(cameras_config, **MonitorProcess options) -> MonitorProcess``, started
    with its state under ``tmp_path``; every one is stopped at the end of the test."""
    running: list[MonitorProcess] = []

    def start(cameras: dict[str, Any], **options: Any) -> MonitorProcess:
        proc = MonitorProcess(cameras, tmp_path, **options)
        running.append(proc)
        proc.start()
        return proc

    yield start
    for proc in running:
        proc.stop()
