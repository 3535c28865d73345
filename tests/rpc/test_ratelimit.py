"""Token bucket arithmetic."""

from __future__ import annotations

import pytest

from camera_service.rpc.ratelimit import TokenBucket

pytestmark = pytest.mark.unit


def test_burst_then_refill_at_rate() -> None:
    b = TokenBucket(rate=10, burst=3, now=0.0)
    assert [b.take(0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert b.take(0.0) == pytest.approx(0.1)
    assert b.take(0.05) == pytest.approx(0.05)
    assert b.take(0.1) == 0.0


def test_bucket_never_holds_more_than_burst() -> None:
    b = TokenBucket(rate=100, burst=2, now=0.0)
    b.take(1000.0)
    assert b.tokens == pytest.approx(1.0)


def test_time_going_backwards_adds_nothing() -> None:
    b = TokenBucket(rate=1, burst=1, now=10.0)
    assert b.take(10.0) == 0.0
    assert b.take(5.0) > 0


def test_zero_rate_disables_limiting() -> None:
    b = TokenBucket(rate=0, burst=1, now=0.0)
    assert all(b.take(0.0) == 0.0 for _ in range(1000))
