"""Reading a systemd unit's state for the "MediaMTX unavailable" reason."""

from __future__ import annotations

import os

import pytest

from camera_service.mediamtx.unit_state import parse_show, read_unit_state


@pytest.mark.unit
@pytest.mark.parametrize(
    ("output", "state"),
    [
        ("LoadState=loaded\nActiveState=failed\nSubState=failed\n", "failed"),
        ("LoadState=loaded\nActiveState=activating\nSubState=auto-restart\n",
         "activating (auto-restart)"),
        ("LoadState=loaded\nActiveState=inactive\nSubState=dead\n", "inactive (dead)"),
        ("LoadState=loaded\nActiveState=active\nSubState=running\n", "active (running)"),
        ("LoadState=not-found\nActiveState=inactive\nSubState=dead\n", None),
        ("LoadState=masked\nActiveState=inactive\nSubState=dead\n", "masked"),
        ("", None),
        ("System has not been booted with systemd as init system (PID 1).", None),
    ],
)
def test_systemctl_show_output_is_summarised(output: str, state: str | None) -> None:
    assert parse_show(output) == state


@pytest.mark.integration
async def test_no_systemctl_means_no_state() -> None:
    assert await read_unit_state("mediamtx.service", systemctl="no-such-systemctl") is None


SYSTEMD_RUNNING = os.path.isdir("/run/systemd/system")


@pytest.mark.integration
async def test_host_without_systemd_gives_no_state() -> None:
    if SYSTEMD_RUNNING:
        pytest.skip("systemd runs here; the system suite checks real unit states")
    assert await read_unit_state("mediamtx.service") is None


@pytest.mark.integration
async def test_unknown_unit_gives_no_state() -> None:
    assert await read_unit_state("no-such-unit-for-camera-service.service") is None
