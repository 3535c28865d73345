"""The fuzzing harness: hypothesis drives a parser with targeted strategies, every input has a
CPU budget, and what fails or runs slow is kept as a regression case.

Why hypothesis and not atheris: it is already a Debian package here (nothing from PyPI at
test time), it runs inside pytest with the suite's markers and ``FORBID_MOCKS``, and its
strategies can aim at the shapes that hurt (escape runs, bracket soups, JSON-Web-Token
parts, YAML aliases) rather than waiting for byte mutations to find them. ``target()``
makes it search towards slower inputs, which is the point here; the coverage atheris would
steer by is measured instead (``make fuzz`` prints it).

* ``BUDGET``: no input may take more than 50 ms of CPU (``time.process_time``: other
  processes on the machine do not count; an input over it is measured twice more and the
  best of the three counts, so that noise is not a finding).
* ``FUZZ_SECONDS``: how long each target runs; ``make fuzz`` sets minutes. Rounds of
  ``ROUND`` examples are run until the time is up, each with a fresh random seed. Unset (the
  short run inside ``make test``): one round of ``SHORT_ROUND`` examples per target.
* ``corpus/<target>/``: regression inputs, replayed first on every run. When a run fails,
  the smallest failing input is written there (``FUZZ_KEEP=1``, as ``make fuzz`` sets) so
  it stays a test once the bug is fixed.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BUDGET = 0.05  # seconds of CPU per input
ROUND = 200  # examples per hypothesis run
SHORT_ROUND = 30  # examples per target inside `make test`
CORPUS = Path(__file__).resolve().parent / "corpus"


def seconds() -> float:
    return float(os.environ.get("FUZZ_SECONDS", "0"))


def corpus(target: str) -> list[tuple[str, bytes]]:
    folder = CORPUS / target
    if not folder.is_dir():
        return []
    return sorted((p.name, p.read_bytes()) for p in folder.iterdir() if p.is_file())


def keep(target: str, data: bytes) -> Path:
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"found-{hashlib.sha256(data).hexdigest()[:12]}"
    path.write_bytes(data)
    return path


@dataclass
class Target:
    """One parser under fuzz: ``check(data)`` runs it on one input (raising on a wrong
    answer); ``encode`` turns a generated input into the bytes kept in the corpus."""

    name: str
    check: Callable[[Any], None]
    encode: Callable[[Any], bytes]
    decode: Callable[[bytes], Any]
    slowest: tuple[float, bytes] = (0.0, b"")
    examples: int = 0
    failing: bytes | None = field(default=None, repr=False)

    def run_one(self, value: Any) -> float:
        """Check one input within the budget; returns its CPU seconds."""
        from hypothesis import target

        start = time.process_time()
        try:
            self.check(value)
        except BaseException:
            self.failing = self.encode(value)
            raise
        spent = time.process_time() - start
        budget = BUDGET * (5 if sys.gettrace() is not None else 1)  # 5x under coverage's tracer
        for _ in range(2):  # over budget: the best of three, so a busy machine is not a finding
            if spent <= budget:
                break
            start = time.process_time()
            self.check(value)
            spent = min(spent, time.process_time() - start)
        self.examples += 1
        if spent > self.slowest[0]:
            self.slowest = (spent, self.encode(value)[:200])
        try:
            target(spent * 1000, label=f"{self.name} CPU ms")
        except Exception:  # noqa: BLE001 - outside a hypothesis run (corpus replay)
            pass
        if spent > budget:
            self.failing = self.encode(value)
            raise AssertionError(
                f"{self.name}: {spent * 1000:.1f} ms of CPU for one input (budget {BUDGET * 1e3:.0f} ms)"
            )
        return spent

    def replay(self) -> int:
        cases = corpus(self.name)
        for name, data in cases:
            try:
                self.run_one(self.decode(data))
            except BaseException as e:
                raise AssertionError(f"corpus case {self.name}/{name} fails: {e}") from e
        return len(cases)

    def fuzz(self, strategy: Any, examples: Iterable[Any] = ()) -> None:
        """Replay the corpus and ``examples``, then run hypothesis until ``FUZZ_SECONDS``."""
        from hypothesis import HealthCheck, given, settings

        self.replay()
        for value in examples:
            self.run_one(value)

        examples_per_round = ROUND if seconds() > 0 else SHORT_ROUND

        @settings(
            max_examples=examples_per_round,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(strategy)
        def one(value: Any) -> None:
            self.run_one(value)

        deadline = time.monotonic() + seconds()
        while True:
            self.failing = None
            try:
                one()
            except BaseException:
                if self.failing is not None and os.environ.get("FUZZ_KEEP") == "1":
                    print(f"kept as a regression case: {keep(self.name, self.failing)}")
                raise
            if time.monotonic() >= deadline:
                break
        spent, data = self.slowest
        print(f"fuzz {self.name}: {self.examples} inputs, slowest {spent * 1000:.2f} ms CPU: {data[:80]!r}")
