"""``statefile.read_state``: a missing file reads as empty, a corrupt one is moved aside and
reported, an unreadable one raises ``OSError`` for the caller's policy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from camera_service.statefile import read_state

pytestmark = pytest.mark.integration


def decode(text: str) -> dict[str, Any]:
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("expected an object")
    return data


def read(path: Path, reports: list[tuple[str, str]]) -> dict[str, Any]:
    empty: dict[str, Any] = {}
    return read_state(path, decode, empty, lambda reason, where: reports.append((reason, where)))


def test_a_missing_file_reads_as_empty_and_reports_nothing(tmp_path: Path) -> None:
    reports: list[tuple[str, str]] = []
    assert read(tmp_path / "state.json", reports) == {}
    assert reports == []


def test_a_valid_file_is_decoded_and_stays(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"a": 1}', encoding="utf-8")
    assert read(path, []) == {"a": 1}
    assert path.exists()


@pytest.mark.parametrize("content", [b"[1, 2]", b"{not json", b"\xff\xfe"])
def test_a_corrupt_file_is_moved_aside_and_reported(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    reports: list[tuple[str, str]] = []
    assert read(path, reports) == {}
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("state.json.corrupt-")]
    assert not path.exists() and len(aside) == 1 and aside[0].read_bytes() == content
    assert len(reports) == 1 and reports[0][1] == f"moved to {aside[0]}"


def test_an_unreadable_file_raises_for_the_callers_policy(tmp_path: Path) -> None:
    (tmp_path / "state.json").mkdir()
    with pytest.raises(OSError):
        read(tmp_path / "state.json", [])
