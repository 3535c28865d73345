"""A systemd unit's state (``failed (failed)``, ``activating (auto-restart)``, …) from
``systemctl show``, for the reason given when MediaMTX cannot be reached.

Returns ``None`` whenever there is nothing useful to say: no ``systemctl``, no systemd as
PID 1 (containers, CI), no such unit, or no answer within the timeout. Runs ``systemctl`` as
an asyncio subprocess, so the event loop never blocks; the child is killed if it overruns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
from collections.abc import Awaitable, Callable

from ..waits import bounded

log = logging.getLogger(__name__)
PROPERTIES = ("LoadState", "ActiveState", "SubState")


def parse_show(output: str) -> str | None:
    """``systemctl show -p …`` output (``KEY=value`` lines) → ``"active (sub)"`` or None."""
    props: dict[str, str] = {}
    for line in output.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            props[key.strip()] = value.strip()
    load = props.get("LoadState", "")
    if load == "masked":
        return "masked"
    if load in ("", "not-found"):
        return None
    active = props.get("ActiveState", "")
    if not active:
        return None
    sub = props.get("SubState", "")
    return f"{active} ({sub})" if sub and sub != active else active


async def unit_state(
    unit: str, *, time_limit: float = 2.0, systemctl: str = "systemctl"
) -> str | None:
    exe = shutil.which(systemctl)
    if exe is None:
        return None
    args = [exe, "show", *(f"--property={p}" for p in PROPERTIES), "--", unit]
    try:
        proc = await asyncio.create_subprocess_exec(
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            env={**os.environ, "LC_ALL": "C", "SYSTEMD_PAGER": "", "SYSTEMD_COLORS": "0"},
        )
    except OSError as e:
        log.debug("cannot run %s: %s", exe, e)
        return None
    try:
        out, _ = await bounded(proc.communicate(), time_limit)
    except TimeoutError:
        await _kill(proc)
        return None
    except asyncio.CancelledError:
        await _kill(proc)
        raise
    if proc.returncode != 0:
        return None
    return parse_show(out.decode("utf-8", errors="replace"))


async def _kill(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    with contextlib.suppress(TimeoutError):
        await bounded(proc.wait(), 1.0)


read_unit_state = unit_state


def unit_state_reader(unit: str, time_limit: float = 2.0) -> Callable[[], Awaitable[str | None]]:
    """A ``StreamService(unit_state=...)`` callable for ``unit``."""

    async def read() -> str | None:
        return await unit_state(unit, time_limit=time_limit)

    return read
