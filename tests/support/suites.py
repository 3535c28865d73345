"""The closing table of what ran in each suite, and its merge across pytest processes.

``tests/conftest.py`` counts each test's outcome under its suite (its marker) and prints
:func:`table_lines`; with ``--suites-json=PATH`` it also writes the counts to ``PATH``.
``make test`` runs the ``system`` suite in a second pytest process beside the others
(``tools/test-suites.sh``) and then prints one table of both::

    python -m support.suites main.json system.json     # (with tests/ on sys.path)
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

SUITES = ("unit", "integration", "contract", "ivv", "hardware", "mediamtx", "system", "browser")

Outcomes = Mapping[str, Counter[str]]  # suite -> passed/failed/errors/skipped -> count; "ms": their time
Skips = Mapping[str, Counter[str]]     # suite -> skip reason -> count


def table_lines(outcomes: Outcomes, skips: Skips) -> list[str]:
    lines = [f"{'suite':<12} {'passed':>7} {'failed':>7} {'skipped':>8} {'seconds':>8}"]
    for suite in (*SUITES, "unmarked"):
        c = outcomes.get(suite)
        if c is None:
            if suite != "unmarked":
                lines.append(f"{suite:<12} {'-':>7} {'-':>7} {'-':>8}   (not collected)")
            continue
        row = f"{suite:<12} {c['passed']:>7} {c['failed'] + c['errors']:>7} {c['skipped']:>8}"
        lines.append(f"{row} {c['ms'] / 1000:>8.0f}")  # the tests' own time, fixtures included
        for reason, n in skips.get(suite, Counter()).most_common():
            lines.append(f"{'':<12} skipped {n}: {reason}")
    return lines


def save(path: Path, outcomes: Outcomes, skips: Skips) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"outcomes": outcomes, "skips": skips}, indent=1, sort_keys=True))


def merge(paths: Sequence[Path]) -> tuple[dict[str, Counter[str]], dict[str, Counter[str]]]:
    """The counts of several runs added up; a missing file (its process died before writing
    it) is an error, so a run that vanished is never read as a run with nothing in it."""
    outcomes: dict[str, Counter[str]] = {}
    skips: dict[str, Counter[str]] = {}
    for path in paths:
        data = json.loads(path.read_text())
        for target, part in ((outcomes, data["outcomes"]), (skips, data["skips"])):
            for suite, counts in part.items():
                target.setdefault(suite, Counter()).update(counts)
    return outcomes, skips


def main(argv: Sequence[str]) -> int:
    missing = [p for p in argv if not Path(p).is_file()]
    if missing:
        print(f"no suite counts at {', '.join(missing)}: that pytest process did not finish",
              file=sys.stderr)
        return 1
    print("\n".join(table_lines(*merge([Path(p) for p in argv]))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
