"""Latency percentiles are real percentiles of the latest calls, never above the maximum."""

from __future__ import annotations

import random

import pytest

from camera_service.rpc.metrics import WINDOW, MethodStats, percentile

pytestmark = pytest.mark.unit


def test_percentile_is_the_nearest_rank_sample() -> None:
    samples = [float(i) for i in range(1, 101)]
    assert percentile(samples, 0.95) == 95.0
    assert percentile(samples, 0.5) == 50.0
    assert percentile([0.012], 0.95) == 0.012
    assert percentile([], 0.95) == 0.0


def test_p95_never_exceeds_max_for_tiny_durations() -> None:
    stats = MethodStats()
    for _ in range(10):
        stats.observe(0.000012, True)  # far below the smallest histogram bucket
    out = stats.as_json()
    assert out["p95_ms"] == 0.012 == out["max_ms"]


def test_p95_of_random_durations_matches_sorting() -> None:
    rng = random.Random(7)
    stats = MethodStats()
    durations = [rng.expovariate(100.0) for _ in range(300)]
    for d in durations:
        stats.observe(d, True)
    expected = sorted(durations)[284]  # rank ceil(0.95 * 300) = 285
    assert stats.quantile(0.95) == expected <= stats.max_seconds


def test_window_keeps_only_the_latest_calls() -> None:
    stats = MethodStats()
    for _ in range(WINDOW):
        stats.observe(1.0, True)
    for _ in range(WINDOW):
        stats.observe(0.001, True)
    assert stats.quantile(0.95) == 0.001 and stats.count == 2 * WINDOW and stats.max_seconds == 1.0
