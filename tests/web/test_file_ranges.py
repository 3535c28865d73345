"""Which ``Range`` headers no byte of a file can satisfy (pure)."""

from __future__ import annotations

import pytest

from camera_service.web.files import range_unsatisfiable

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("header", "size", "unsatisfiable"),
    [
        (None, 10, False),
        ("bytes=0-", 10, False),
        ("bytes=-1", 10, False),
        ("bytes=-100", 10, False),  # more than the file: the whole file
        ("bytes=9-", 10, False),
        ("bytes=-0", 10, True),
        ("bytes=-00", 10, True),
        ("bytes=10-", 10, True),
        ("bytes=10-20", 10, True),
        ("bytes=0-", 0, True),
        ("bytes=" + "9" * 30 + "-", 10, True),
        ("bytes=-" + "9" * 30, 10, False),  # left to FileResponse (a huge suffix: all)
        ("bytes=0-1,5-6", 10, False),  # left to FileResponse (416 for what it cannot parse)
        ("items=0-1", 10, False),
    ],
)
def test_range_unsatisfiable(header: str | None, size: int, unsatisfiable: bool) -> None:
    assert range_unsatisfiable(header, size) is unsatisfiable
