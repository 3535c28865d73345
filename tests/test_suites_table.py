"""The closing suites table of ``make test`` when its suites ran in two pytest processes:
both processes' counts add up, skip reasons stay, and a process that left no counts makes
the merge fail instead of reading as a run with nothing in it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from support import suites

pytestmark = pytest.mark.unit


def test_counts_of_two_processes_add_up_in_one_table(tmp_path: Path) -> None:
    suites.save(tmp_path / "others.json",
                {"unit": Counter(passed=5, ms=1250), "mediamtx": Counter(passed=2, skipped=1)},
                {"mediamtx": Counter({"needs root": 1})})
    suites.save(tmp_path / "system.json",
                {"system": Counter(passed=30, failed=1, errors=1), "unit": Counter(passed=2, ms=1500)}, {})
    outcomes, skips = suites.merge([tmp_path / "others.json", tmp_path / "system.json"])
    lines = suites.table_lines(outcomes, skips)
    assert lines[0].split() == ["suite", "passed", "failed", "skipped", "seconds"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:] if not line.startswith(" ")}
    assert rows["unit"] == ["7", "0", "0", "3"]  # seconds: 1.25 + 1.5
    assert rows["system"] == ["30", "2", "0", "0"]  # a teardown error counts as a failure
    assert rows["mediamtx"] == ["2", "0", "1", "0"]
    assert rows["browser"] == ["-", "-", "-", "(not", "collected)"]
    assert "unmarked" not in rows
    assert f"{'':<12} skipped 1: needs root" in lines


def test_a_process_that_left_no_counts_fails_the_merge(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    suites.save(tmp_path / "others.json", {"unit": Counter(passed=1)}, {})
    assert suites.main([str(tmp_path / "others.json"), str(tmp_path / "system.json")]) == 1
    assert "system.json" in capsys.readouterr().err
    assert suites.main([str(tmp_path / "others.json")]) == 0
