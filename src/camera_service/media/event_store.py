"""Motion events in SQLite (Python's ``sqlite3``), in ``state_dir/events.db``.

Durable: WAL with ``synchronous=FULL``, one transaction per change, so a finished event
survives SIGKILL and a power cut. An event still open when the service died (no ``end``) is
closed when the store opens again, at its last motion, with the cause
``service stopped unexpectedly``.

SQLite blocks, so every statement runs on one thread of its own (a single-worker executor:
the connection is used by that thread only and statements never interleave); the loop only
awaits. Errors leave as ``StorageError``.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from ..errors import FileNotFound, StorageError

T = TypeVar("T")
FILE_NAME = "events.db"
CRASH_CAUSE = "service stopped unexpectedly"
SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY,
    camera TEXT NOT NULL,
    start REAL NOT NULL,
    end REAL,
    last_motion REAL NOT NULL,
    peak_score REAL NOT NULL,
    peak_time REAL NOT NULL,
    region TEXT,
    snapshot TEXT,
    thumbnail TEXT,
    cause TEXT NOT NULL DEFAULT '',
    pre_capture REAL NOT NULL DEFAULT 0,
    post_capture REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS events_start ON events (start);
CREATE INDEX IF NOT EXISTS events_camera_start ON events (camera, start);
"""
COLUMNS = (
    "id", "camera", "start", "end", "last_motion", "peak_score", "peak_time", "region",
    "snapshot", "thumbnail", "cause", "pre_capture", "post_capture",
)  # fmt: skip


@dataclass(frozen=True)
class StoredEvent:
    id: str
    camera: str
    start: float
    end: float | None
    last_motion: float
    peak_score: float
    peak_time: float
    region: dict[str, float] | None = None
    snapshot: str | None = None  # file names in the events folder
    thumbnail: str | None = None
    cause: str = ""
    pre_capture: float = 0.0
    post_capture: float = 0.0

    def row(self) -> tuple[Any, ...]:
        values = {**self.__dict__, "region": json.dumps(self.region) if self.region else None}
        return tuple(values[c] for c in COLUMNS)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> StoredEvent:
        values = dict(zip(COLUMNS, row, strict=True))
        values["region"] = json.loads(values["region"]) if values["region"] else None
        return cls(**values)


class EventStore:
    """``async with EventStore(state_dir) as store``; ``recovered`` lists the events closed
    at opening (they were open when the service died)."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / FILE_NAME
        self._db: sqlite3.Connection | None = None
        self._pool: ThreadPoolExecutor | None = None
        self.recovered: list[StoredEvent] = []

    async def __aenter__(self) -> EventStore:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="events-db")
        try:
            self.recovered = await self._run(self._open)
        except BaseException:
            self._pool.shutdown(wait=False)
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._pool is None:
            return
        try:
            await self._run(self._close)
        finally:
            self._pool.shutdown(wait=False)
            self._pool = None

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._pool is None:
            raise StorageError("the event store is not open")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, fn, *args)
        except sqlite3.Error as e:
            raise StorageError(f"event store {self.path.name}: {e}") from e

    # --- on the store's thread -----------------------------------------------------------

    def _open(self) -> list[StoredEvent]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=5.0, check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(SCHEMA)
        self._db = db
        open_rows = db.execute(f"SELECT {', '.join(COLUMNS)} FROM events WHERE end IS NULL").fetchall()
        with db:
            db.execute(
                "UPDATE events SET end = last_motion, cause = ? WHERE end IS NULL", (CRASH_CAUSE,)
            )
        closed = [StoredEvent.from_row(r) for r in open_rows]
        return [replace(e, end=e.last_motion, cause=CRASH_CAUSE) for e in closed]

    def _close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise sqlite3.ProgrammingError("closed")
        return self._db

    def _upsert(self, event: StoredEvent) -> None:
        db = self._conn()
        marks = ", ".join("?" for _ in COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:])
        with db:
            db.execute(
                f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({marks}) "
                f"ON CONFLICT(id) DO UPDATE SET {updates}",
                event.row(),
            )

    def _get(self, event_id: str) -> StoredEvent | None:
        row = self._conn().execute(
            f"SELECT {', '.join(COLUMNS)} FROM events WHERE id = ?", (event_id,)
        ).fetchone()
        return StoredEvent.from_row(row) if row else None

    def _list(
        self, camera: str | None, since: float | None, until: float | None, limit: int, offset: int
    ) -> tuple[list[StoredEvent], int]:
        where: list[str] = []
        args: list[Any] = []
        if camera is not None:
            where.append("camera = ?")
            args.append(camera)
        if since is not None:
            where.append("COALESCE(end, last_motion) >= ?")
            args.append(since)
        if until is not None:
            where.append("start <= ?")
            args.append(until)
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        db = self._conn()
        total = db.execute(f"SELECT COUNT(*) FROM events{clause}", args).fetchone()[0]
        rows = db.execute(
            f"SELECT {', '.join(COLUMNS)} FROM events{clause} ORDER BY start DESC, id LIMIT ? OFFSET ?",
            [*args, limit, offset],
        ).fetchall()
        return [StoredEvent.from_row(r) for r in rows], int(total)

    def _delete(self, event_id: str) -> StoredEvent | None:
        found = self._get(event_id)
        if found is not None:
            with self._conn() as db:
                db.execute("DELETE FROM events WHERE id = ?", (event_id,))
        return found

    def _since(self, since: float) -> list[StoredEvent]:
        rows = self._conn().execute(
            f"SELECT {', '.join(COLUMNS)} FROM events WHERE COALESCE(end, last_motion) >= ?",
            (since,),
        ).fetchall()
        return [StoredEvent.from_row(r) for r in rows]

    def _delete_before(self, cutoff: float) -> list[StoredEvent]:
        db = self._conn()
        rows = db.execute(
            f"SELECT {', '.join(COLUMNS)} FROM events WHERE end IS NOT NULL AND end < ?", (cutoff,)
        ).fetchall()
        with db:
            db.execute("DELETE FROM events WHERE end IS NOT NULL AND end < ?", (cutoff,))
        return [StoredEvent.from_row(r) for r in rows]

    # --- the loop's side -----------------------------------------------------------------

    async def since(self, since: float) -> list[StoredEvent]:
        """Every event still running or ended at or after ``since``."""
        return await self._run(self._since, since)

    async def delete_before(self, cutoff: float) -> list[StoredEvent]:
        """Delete the events that ended before ``cutoff``; returns them."""
        return await self._run(self._delete_before, cutoff)

    async def save(self, event: StoredEvent) -> None:
        """Insert or replace the event (committed before this returns)."""
        await self._run(self._upsert, event)

    async def get(self, event_id: str) -> StoredEvent:
        found = await self._run(self._get, event_id)
        if found is None:
            raise FileNotFound("event", event_id)
        return found

    async def list(
        self,
        camera: str | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[StoredEvent], int]:
        """Events overlapping ``[since, until]``, newest first, and how many match in all."""
        return await self._run(self._list, camera, since, until, limit, offset)

    async def delete(self, event_id: str) -> StoredEvent:
        found = await self._run(self._delete, event_id)
        if found is None:
            raise FileNotFound("event", event_id)
        return found
