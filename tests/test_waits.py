"""The bounded waits keep every cancellation: a worker loop that waits for a wake-up event
stops when cancelled, even when the cancellation comes in the same loop step as the event
(where ``asyncio.wait_for`` on Python 3.11 returns normally and the loop goes round again;
that hung a recorder's stop for ever in CI). Pure asyncio: no I/O."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable

import pytest

from camera_service.waits import bounded, cancel_and_wait, wait_event

pytestmark = pytest.mark.unit

Waiter = Callable[[asyncio.Event, float], Awaitable[object]]


async def _wait_for(event: asyncio.Event, seconds: float) -> object:
    return await asyncio.wait_for(event.wait(), seconds)


async def _cancelled_with_the_wake_up(wait: Waiter) -> bool:
    """A worker loop waiting on its wake-up event; the event is set and the task cancelled
    in one step. True if the task ended cancelled (False: it went on looping)."""
    wake, looping = asyncio.Event(), asyncio.Event()

    async def worker() -> None:
        while True:
            looping.set()
            wake.clear()
            await wait(wake, 10.0)

    task = asyncio.create_task(worker())
    await looping.wait()
    await asyncio.sleep(0)  # it waits now
    wake.set()
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=0.5)
    if not done:
        task.cancel()  # the helper below does this; here it shows the first one was lost
        await asyncio.wait({task}, timeout=0.5)
        return False
    return task.cancelled()


async def test_a_cancellation_in_the_step_that_sets_the_event_is_kept() -> None:
    assert await _cancelled_with_the_wake_up(wait_event)


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="asyncio.wait_for keeps it from Python 3.12")
async def test_asyncio_wait_for_loses_that_cancellation_on_this_python() -> None:
    """Why ``waits`` exists: the same loop with ``asyncio.wait_for`` goes on."""
    assert not await _cancelled_with_the_wake_up(_wait_for)


async def test_wait_event_says_whether_the_event_came() -> None:
    event = asyncio.Event()
    assert await wait_event(event, 0.01) is False
    asyncio.get_running_loop().call_soon(event.set)
    assert await wait_event(event, 1.0) is True
    assert await wait_event(event, 0) is True  # already set: no wait at all


async def test_bounded_returns_the_result_or_raises_timeout() -> None:
    async def slow() -> int:
        await asyncio.sleep(10)
        return 1

    async def quick() -> int:
        await asyncio.sleep(0)
        return 2

    assert await bounded(quick(), 1.0) == 2
    assert await bounded(quick(), None) == 2
    with pytest.raises(TimeoutError):
        await bounded(slow(), 0.01)


async def test_bounded_passes_a_cancellation_of_its_caller_on() -> None:
    started = asyncio.Event()

    async def caller() -> None:
        started.set()
        await bounded(asyncio.sleep(10), 5.0)

    task = asyncio.create_task(caller())
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_cancel_and_wait_cancels_again_a_task_that_swallowed_one() -> None:
    swallowed = 0

    async def stubborn() -> None:
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                swallowed += 1
                if swallowed >= 3:
                    raise

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    assert await cancel_and_wait(task, 5.0)
    assert task.cancelled() and swallowed == 3


async def test_cancel_and_wait_gives_up_after_its_bound_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    release = False

    async def immortal() -> None:
        while not release:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                continue

    task = asyncio.create_task(immortal(), name="immortal")
    await asyncio.sleep(0)
    assert await cancel_and_wait(task, 0.3) is False
    assert "immortal did not stop within 0.3 s" in caplog.text
    assert not task.done()
    release = True  # the test's own clean-up
    task.cancel()
    await task


async def test_cancel_and_wait_of_a_finished_task_retrieves_its_error() -> None:
    async def fails() -> None:
        raise ValueError("on the way out")

    task = asyncio.create_task(fails())
    await asyncio.sleep(0)
    assert await cancel_and_wait(task, 1.0)
    assert isinstance(task.exception(), ValueError)
