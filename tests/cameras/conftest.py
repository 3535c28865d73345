"""Fixtures for the camera tests: umockdev availability, the C920 table, an RTSP camera."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

from support.fixtures import rtsp_server  # noqa: F401
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
