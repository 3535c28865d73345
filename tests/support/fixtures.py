"""pytest fixtures around ``RtspTestServer``.

Use them from a conftest with ``from support.fixtures import rtsp_server  # noqa: F401``
(``tests/`` is on ``sys.path`` because it holds the rootdir conftest and no ``__init__``).
A missing GStreamer RTSP server makes the test skip with the packages to install.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest

from .rtsp_server import RtspTestServer, available


@functools.lru_cache(maxsize=1)
def _unavailable_reason() -> str | None:
    return available()


def require_rtsp_server() -> None:
    if reason := _unavailable_reason():
        pytest.skip(f"no RTSP test server: {reason}")


@pytest.fixture
def rtsp_server() -> Iterator[RtspTestServer]:
    """A running RTSP camera at ``rtsp_server.url``; stopped after the test."""
    require_rtsp_server()
    with RtspTestServer() as server:
        yield server


@pytest.fixture(scope="module")
def rtsp_server_module() -> Iterator[RtspTestServer]:
    """One RTSP camera shared by a module's tests (do not kill it in those tests)."""
    require_rtsp_server()
    with RtspTestServer() as server:
        yield server


# a password with a quote and a space: it must survive the ffconcat script's quoting
CAMERA_CREDENTIALS = ("admin", "it's s3cret")


@pytest.fixture(scope="module")
def rtsp_auth_server_module() -> Iterator[RtspTestServer]:
    """One RTSP camera that asks for ``CAMERA_CREDENTIALS``, shared by a module's tests;
    ``url`` carries them."""
    require_rtsp_server()
    with RtspTestServer(credentials=CAMERA_CREDENTIALS) as server:
        yield server


@pytest.fixture
def rtsp_auth_server() -> Iterator[RtspTestServer]:
    """A camera that asks for ``CAMERA_CREDENTIALS``, for one test (which may kill it)."""
    require_rtsp_server()
    with RtspTestServer(credentials=CAMERA_CREDENTIALS) as server:
        yield server
