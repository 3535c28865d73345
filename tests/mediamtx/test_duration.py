"""MediaMTX duration strings: written the way MediaMTX writes them, read back by value."""

from __future__ import annotations

import pytest

from camera_service.mediamtx.duration import format_duration, parse_duration, same_duration

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (0.25, "250ms"), (1, "1s"), (1.5, "1.5s"), (10, "10s"), (60, "1m0s"),
     (90, "1m30s"), (3600, "1h0m0s"), (86400, "1d"), (90061.5, "1d1h1m1.5s")],
)
def test_format_matches_mediamtx_spelling(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize("text", ["10s", "1m0s", "1h2m3.5s", "500ms", "2d", "2d3h", "1.5h"])
def test_parse_reads_go_durations(text: str) -> None:
    assert parse_duration(text) >= 0


@pytest.mark.parametrize("bad", ["", "s", "10", "ten seconds", "10x", "1m 2s"])
def test_parse_rejects_non_durations(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
def test_format_refuses_impossible_durations(bad: float) -> None:
    with pytest.raises(ValueError):
        format_duration(bad)


def test_format_then_parse_round_trips_to_the_millisecond() -> None:
    # seeded random cases (deterministic, fast)
    samples = [0, 1, 999, 1000, 1001, 59_999, 60_000, 3_599_999, 3_600_000, 86_399_999,
               86_400_000, 86_400_001, 10 * 86_400_000]
    samples += [(i * 7_919_113) % (10 * 86_400_000) for i in range(1, 500)]
    for ms in samples:
        assert parse_duration(format_duration(ms / 1000)) == pytest.approx(ms / 1000, abs=5e-4)


def test_same_duration_compares_values_not_spelling() -> None:
    assert same_duration("60s", "1m0s")
    assert not same_duration("60s", "61s")
    assert not same_duration("60s", 60)
    assert not same_duration("abc", "abc ")
