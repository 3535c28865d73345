"""Garbage a test file left behind, collected where it cannot fail an unrelated test.

An object a test leaks (an asyncio pipe transport whose loop was closed, an unclosed file)
warns when the garbage collector finally frees it, and with ``filterwarnings = error``
pytest fails whichever test happens to be running at that moment: a random victim, often in
another file or suite (CI lost a stop to that). ``tests/conftest.py`` therefore collects the
garbage after the last test of each file, outside any test phase, with a hook that records
each such exception here instead; the run's summary lists them under the file that left
them, so a leak is still seen, and named where it happened.
"""

from __future__ import annotations

import gc
import sys
import warnings

found: list[str] = []


def collect(after: str) -> None:
    """Free what the tests up to ``after`` (a file) left, recording what complains."""

    def record(unraisable: sys.UnraisableHookArgs) -> None:
        what = f"{unraisable.exc_type.__name__}: {unraisable.exc_value}"
        found.append(f"{after}: {what} (in {unraisable.object!r})")

    previous = sys.unraisablehook
    sys.unraisablehook = record
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ResourceWarning)  # to the hook, not to stderr
            gc.collect()
    finally:
        sys.unraisablehook = previous


def summary_lines(most: int = 20) -> list[str]:
    if not found:
        return []
    more = [f"... and {len(found) - most} more"] if len(found) > most else []
    return [f"{len(found)} object(s) left unclosed by a test file, freed after it:",
            *(line[:300] for line in found[:most]), *more]
