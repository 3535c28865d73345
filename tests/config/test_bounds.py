"""Configuration text costs linear time to read: too big, too deep or alias-multiplied
documents are refused with a reason before (or right after) parsing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from camera_service.config.bounds import MAX_NESTING, TooBig, check_text, expanded_size, nesting_bound
from camera_service.config.load import parse_yaml
from camera_service.errors import ConfigError

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


def refusal(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse_yaml(text, "c.yaml")
    return "\n".join(info.value.lines())


@pytest.mark.parametrize("sample", ["etc/config.yaml", "etc/dev.yaml"])
def test_the_shipped_configs_are_far_within_the_bounds(sample: str) -> None:
    text = (ROOT / sample).read_text()
    check_text(text)
    assert nesting_bound(text) < MAX_NESTING // 4
    assert expanded_size(parse_yaml(text, sample)) < 1000


def test_aliases_that_multiply_are_refused_fast() -> None:
    bomb = "a0: &a0 [x, x]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]\n" for i in range(1, 60))
    start = time.process_time()
    assert "stands for more than 100000 values" in refusal(bomb + "server: {allowed_origins: *a59}\n")
    assert time.process_time() - start < 0.5
    assert "refers to itself" in refusal("a: &a [*a]\n")
    shared = "x: &x {port: 1}\nserver: *x\n"  # an alias used sensibly still works
    assert parse_yaml(shared, "c.yaml")["server"] == {"port": 1}


@pytest.mark.parametrize(
    "text",
    [
        "server: " + "[" * 101 + "]" * 101 + "\n",
        "".join(" " * i + "k:\n" for i in range(102)) + " " * 102 + "v\n",
        "- " * 101 + "x\n",
        "a: '" + "[" * 200 + "'\n",  # brackets in quotes count too: a conservative bound
    ],
)
def test_deep_nesting_is_refused_before_parsing(text: str) -> None:
    start = time.process_time()
    assert f"nests deeper than {MAX_NESTING}" in refusal(text)
    assert time.process_time() - start < 0.05


def test_too_big_is_refused() -> None:
    with pytest.raises(TooBig, match="over 1024 KiB"):
        check_text("#" * (1 << 20) + "\n")


def test_nesting_bound_is_never_below_the_real_depth() -> None:
    assert nesting_bound("a:\n  b:\n    - - [1, {c: 2}]\n") >= 6
    assert nesting_bound("server: {host: '[::1]'}\n") == 2
