"""Retention selection: oldest first, down to the size limit, never a busy or fresh file; and
the saved policy's file format, which refuses anything it did not write."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from camera_service.errors import InvalidParams
from camera_service.media.retention import (
    DAY,
    GIB,
    StoredFile,
    decode_policy,
    describe_policy,
    encode_policy,
    select_for_deletion,
    validate_policy,
)
from camera_service.models_recordings import RetentionPolicy

pytestmark = pytest.mark.unit

NOW = 1_700_000_000.0


def f(name: str, size: int, age: float, busy: bool = False) -> StoredFile:
    return StoredFile(Path("/r") / name, size, NOW - age, busy)


def size_policy(gb: float) -> RetentionPolicy:
    return RetentionPolicy(enabled=True, policy_type="size", max_size_gb=gb)


def test_disabled_policy_selects_nothing() -> None:
    files = [f("a", GIB, 100 * DAY)]
    assert select_for_deletion(files, RetentionPolicy(enabled=False, max_age_days=1), NOW) == []


def test_age_policy_selects_files_older_than_the_limit() -> None:
    files = [f("old", 1, 3 * DAY), f("new", 1, 1 * DAY), f("older", 1, 5 * DAY)]
    policy = RetentionPolicy(enabled=True, policy_type="age", max_age_days=2)
    assert [x.path.name for x in select_for_deletion(files, policy, NOW)] == ["older", "old"]


def test_size_policy_deletes_oldest_first_down_to_the_limit() -> None:
    half = GIB // 2
    files = [f("c", half, 10), f("a", half, 30), f("b", half, 20), f("d", half, 15)]
    chosen = select_for_deletion(files, size_policy(1.0), NOW)
    assert [x.path.name for x in chosen] == ["a", "b"]


def test_busy_and_fresh_files_are_never_chosen_but_still_count() -> None:
    half = GIB // 2
    files = [f("busy", half, 100, busy=True), f("fresh", half, 1), f("a", half, 50),
             f("b", half, 40)]  # fmt: skip
    chosen = select_for_deletion(files, size_policy(0.5), NOW)
    assert [x.path.name for x in chosen] == ["a", "b"]
    age = RetentionPolicy(enabled=True, policy_type="age", max_age_days=0.0001)
    assert "busy" not in [x.path.name for x in select_for_deletion(files, age, NOW)]


# seeded random cases: deterministic and fast
CASES = [
    (
        [rng.randrange(0, 2 * GIB) for _ in range(rng.randrange(0, 30))],
        [rng.random() < 0.3 for _ in range(30)],
        rng.uniform(0.01, 20),
    )
    for rng in [random.Random(seed) for seed in range(60)]
]


@pytest.mark.parametrize(("sizes", "busy", "limit_gb"), CASES)
def test_size_policy_properties(sizes: list[int], busy: list[bool], limit_gb: float) -> None:
    files = [f(f"f{i}", s, 100 + i, busy=busy[i]) for i, s in enumerate(sizes)]
    chosen = select_for_deletion(files, size_policy(limit_gb), NOW)
    assert not any(x.busy for x in chosen)
    ages = [NOW - x.mtime for x in chosen]
    assert ages == sorted(ages, reverse=True)  # oldest first
    remaining = sum(sizes) - sum(x.size for x in chosen)
    if remaining > limit_gb * GIB:  # over the limit only when everything deletable is gone
        assert {x.path for x in chosen} == {x.path for x in files if not x.busy}
    elif chosen:  # and never more than needed: without the last one we'd be over the limit
        assert remaining + chosen[-1].size > int(limit_gb * GIB)


@pytest.mark.parametrize(
    ("policy", "param"),
    [(RetentionPolicy(policy_type="count"), "policy_type"),
     (RetentionPolicy(max_age_days=0), "max_age_days"),
     (RetentionPolicy(max_size_gb=-1), "max_size_gb")],
)  # fmt: skip
def test_invalid_policies_name_the_parameter(policy: RetentionPolicy, param: str) -> None:
    with pytest.raises(InvalidParams) as e:
        validate_policy(policy)
    assert e.value.param == param


@pytest.mark.parametrize(
    "policy",
    [RetentionPolicy(), RetentionPolicy(True, "size", 0.5, 2.5), RetentionPolicy(True, "age", 7, 1)],
    ids=repr,
)
def test_policy_file_round_trip(policy: RetentionPolicy) -> None:
    assert decode_policy(encode_policy(policy)) == policy


GOOD = {"enabled": True, "policy_type": "age", "max_age_days": 7, "max_size_gb": 1}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"version": 1, "policy": {"enabled": true', "Expecting"),  # half written
        ("", "Expecting value"),
        ("[]", "version"),
        ('{"version": 2, "policy": {}}', "version"),
        ('{"version": 1}', "'policy'"),
        (f'{{"version": 1, "policy": {json.dumps({**GOOD, "enabled": 1})}}}', "enabled"),
        (f'{{"version": 1, "policy": {json.dumps({**GOOD, "policy_type": None})}}}', "policy_type"),
        (f'{{"version": 1, "policy": {json.dumps({**GOOD, "policy_type": "count"})}}}', "policy_type"),
        (f'{{"version": 1, "policy": {json.dumps({**GOOD, "max_age_days": "7"})}}}', "max_age_days"),
        (f'{{"version": 1, "policy": {json.dumps({**GOOD, "max_age_days": True})}}}', "max_age_days"),
        ('{"version": 1, "policy": {"enabled": true, "policy_type": "age", "max_age_days": 7, '
         '"max_size_gb": Infinity}}', "max_size_gb"),
        (f'{{"version": 1, "policy": {json.dumps({**GOOD, "max_size_gb": 0})}}}', "max_size_gb"),
        (f'{{"version": 1, "policy": {json.dumps({k: v for k, v in GOOD.items() if k != "enabled"})}}}',
         "enabled"),
    ],
)  # fmt: skip
def test_policy_file_refuses_what_it_did_not_write(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        decode_policy(text)


def test_policy_in_words() -> None:
    assert describe_policy(RetentionPolicy(True, "age", 7, 1)) == "delete files older than 7 days"
    assert describe_policy(RetentionPolicy(True, "size", 7, 2.5)) == "delete the oldest files beyond 2.5 GiB"
    assert describe_policy(RetentionPolicy()).startswith("disabled")
