"""``AddressGuard`` with the real resolver: a name is resolved off the loop and every address
it has is judged; a name that does not resolve is refused without connecting."""

from __future__ import annotations

import pytest

from camera_service.cameras.address_check import AddressGuard
from camera_service.config.model import DEFAULT_EXTERNAL_ALLOW

pytestmark = pytest.mark.integration


async def test_localhost_resolves_to_loopback_and_is_refused_by_default() -> None:
    reason = await AddressGuard(DEFAULT_EXTERNAL_ALLOW).refusal("rtsp://u:pw@localhost:8554/x")
    assert reason is not None and "cameras.external.allow" in reason and "pw" not in reason


async def test_localhost_is_allowed_when_all_its_loopback_addresses_are_listed() -> None:
    guard = AddressGuard(("127.0.0.0/8", "::1/128"))
    assert await guard.refusal("rtsp://localhost:8554/x") is None


async def test_a_name_that_does_not_resolve_is_refused() -> None:
    reason = await AddressGuard(DEFAULT_EXTERNAL_ALLOW).refusal("rtsp://camera.invalid/x")
    assert reason == "cannot resolve host 'camera.invalid'"


async def test_a_literal_address_needs_no_lookup() -> None:
    guard = AddressGuard(("192.168.0.0/16",))
    assert await guard.refusal("rtsp://192.168.7.7:554/live") is None
    assert await guard.refusal("rtsp://[fd00::7]:554/live") is not None
