"""What the continuous recorder keeps in the state folder, so a restart (or a crash) loses
neither the modes set at run time nor the record of what was recorded and why not.

``recording_modes.json``: the modes set with ``set_recording_mode`` (they win over the
configuration). ``recording_journal.json``: per camera, the segments with their wall-clock
start and end, the phase changes with their reasons (``timeline``'s input), and the run
in progress (its segment list file and clock anchor, to recover its segments after a
crash). Both are written atomically (``statefile.write_atomically``) off the event loop;
an unreadable file is logged once and replaced by an empty one, never a reason not to start.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import StorageError
from ..recording_modes import ModeSpec, decode_modes, encode_modes
from ..statefile import versioned_field, write_atomically
from .timeline import Segment, Transition

log = logging.getLogger(__name__)

MODES_FILE = "recording_modes.json"
JOURNAL_FILE = "recording_journal.json"
JOURNAL_VERSION = 1
MAX_SEGMENTS = 20000  # per camera: ~70 days of 5-minute segments
MAX_TRANSITIONS = 2000


@dataclass
class CameraJournal:
    segments: list[Segment] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    open_run: dict[str, Any] | None = None  # {"list": file name, "anchor": wall time, "lead": s}

    def add_segments(self, new: list[Segment]) -> None:
        known = {s.name for s in self.segments}
        self.segments += [s for s in new if s.name not in known]
        del self.segments[:-MAX_SEGMENTS]

    def add_transition(self, t: Transition) -> None:
        self.transitions.append(t)
        del self.transitions[:-MAX_TRANSITIONS]


def encode_journal(cameras: dict[str, CameraJournal]) -> str:
    body = {
        cam: {
            "segments": [[s.name, round(s.start, 4), round(s.end, 4)] for s in j.segments],
            "transitions": [[round(t.at, 4), t.phase, t.reason] for t in j.transitions],
            "open_run": j.open_run,
        }
        for cam, j in sorted(cameras.items())
    }
    return json.dumps({"version": JOURNAL_VERSION, "cameras": body}) + "\n"


def decode_journal(text: str) -> dict[str, CameraJournal]:
    body = versioned_field(text, JOURNAL_VERSION, "cameras", dict)
    out: dict[str, CameraJournal] = {}
    for cam, data in body.items():
        try:
            segs = [Segment(str(n), float(s), float(e)) for n, s, e in data.get("segments", [])]
            trans = [Transition(float(a), str(p), str(r)) for a, p, r in data.get("transitions", [])]
        except (TypeError, ValueError, AttributeError) as e:
            raise ValueError(f"cameras.{cam}: {e}") from None
        run = data.get("open_run")
        out[str(cam)] = CameraJournal(segs, trans, run if isinstance(run, dict) else None)
    return out


class RecordingStore:
    def __init__(self, state_dir: Path) -> None:
        self.modes_path = state_dir / MODES_FILE
        self.journal_path = state_dir / JOURNAL_FILE
        self.modes: dict[str, ModeSpec] = {}
        self.journal: dict[str, CameraJournal] = {}
        self._lock = asyncio.Lock()
        self._journal_failing = False

    async def load(self) -> None:
        loop = asyncio.get_running_loop()
        self.modes = await loop.run_in_executor(None, _load, self.modes_path, decode_modes, {})
        self.journal = await loop.run_in_executor(None, _load, self.journal_path, decode_journal, {})

    def camera(self, camera_id: str) -> CameraJournal:
        return self.journal.setdefault(camera_id, CameraJournal())

    async def save_modes(self, modes: dict[str, ModeSpec]) -> None:
        """Save first, then put in force: a mode that cannot be saved is not applied."""
        text = encode_modes(modes)
        async with self._lock:
            try:
                await asyncio.get_running_loop().run_in_executor(
                    None, write_atomically, self.modes_path, text
                )
            except OSError as e:
                raise StorageError(f"cannot save the recording mode: {e.strerror or e}") from e
        self.modes = dict(modes)

    async def save_journal(self) -> None:
        text = encode_journal(self.journal)
        async with self._lock:
            try:
                await asyncio.get_running_loop().run_in_executor(
                    None, write_atomically, self.journal_path, text
                )
            except OSError as e:  # a full disk must not stop recording: the journal catches up
                if not self._journal_failing:
                    log.warning("cannot save the recording journal: %s", e.strerror or e,
                                extra={"COMPONENT": "media"})  # fmt: skip
                self._journal_failing = True
                return
            if self._journal_failing:
                log.info("recording journal saved again", extra={"COMPONENT": "media"})
            self._journal_failing = False


def _load(path: Path, decode: Any, empty: Any) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return empty
    except OSError as e:
        log.error("cannot read %s: %s; starting empty", path, e.strerror or e)
        return empty
    try:
        return decode(text)
    except ValueError as e:
        log.error("ignoring %s: %s", path, e, extra={"COMPONENT": "media"})
        return empty
