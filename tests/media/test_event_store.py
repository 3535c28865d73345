"""The SQLite event store: saving, listing with filters and pages, deleting, and an event left
open by a SIGKILLed process closed with its cause when the store opens again."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import textwrap
from pathlib import Path

import pytest

from camera_service.errors import FileNotFound
from camera_service.media.event_store import CRASH_CAUSE, EventStore, StoredEvent

pytestmark = pytest.mark.integration

SRC = Path(__file__).resolve().parents[2] / "src"


def event(n: int, camera: str = "camera0", end: float | None = None) -> StoredEvent:
    start = 1000.0 + 100 * n
    return StoredEvent(
        f"e{n}", camera, start, end, start + 5, 3.5, start + 1, {"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.4}
    )


async def test_save_get_list_and_delete(tmp_path: Path) -> None:
    async with EventStore(tmp_path) as store:
        for n in range(5):
            await store.save(event(n, "camera1" if n % 2 else "camera0", end=1000 + 100 * n + 8))
        await store.save(event(4, end=1420.0))  # an update of the same event
        got = await store.get("e4")
        assert got.end == 1420.0 and got.region == {"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.4}
        items, total = await store.list()
        assert total == 5 and [e.id for e in items] == ["e4", "e3", "e2", "e1", "e0"]
        items, total = await store.list(camera="camera1")
        assert total == 2 and [e.id for e in items] == ["e3", "e1"]
        items, total = await store.list(since=1205.0, until=1350.0)
        assert [e.id for e in items] == ["e3", "e2"]
        items, total = await store.list(limit=2, offset=1)
        assert total == 5 and [e.id for e in items] == ["e3", "e2"]
        assert (await store.delete("e2")).id == "e2"
        with pytest.raises(FileNotFound):
            await store.get("e2")
        with pytest.raises(FileNotFound):
            await store.delete("e2")
    async with EventStore(tmp_path) as store:  # kept on disk
        assert store.recovered == []
        assert (await store.list())[1] == 4


async def test_an_event_open_at_a_sigkill_is_closed_at_restart_with_a_cause(tmp_path: Path) -> None:
    child = textwrap.dedent(f"""
        import asyncio, os, sys
        from pathlib import Path
        from camera_service.media.event_store import EventStore, StoredEvent
        async def main():
            async with EventStore(Path({str(tmp_path)!r})) as store:
                await store.save(StoredEvent("done", "camera0", 10.0, 20.0, 20.0, 1.0, 12.0))
                await store.save(StoredEvent("open", "camera0", 30.0, None, 33.0, 2.0, 31.0))
                print("saved", flush=True)
                await asyncio.sleep(60)
        asyncio.run(main())
    """)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", child, stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        assert (await asyncio.wait_for(proc.stdout.readline(), 30)).strip() == b"saved"
    finally:
        proc.send_signal(signal.SIGKILL)
        await asyncio.wait_for(proc.wait(), 10)
    async with EventStore(tmp_path) as store:
        assert [(e.id, e.end, e.cause) for e in store.recovered] == [("open", 33.0, CRASH_CAUSE)]
        done, opened = await store.get("done"), await store.get("open")
        assert (done.end, done.cause) == (20.0, "")
        assert (opened.end, opened.cause) == (33.0, CRASH_CAUSE)
    async with EventStore(tmp_path) as store:
        assert store.recovered == []
