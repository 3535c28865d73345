"""The continuous recorder's decisions (pure): causes in order, back-off, stable runs."""

from __future__ import annotations

import pytest

from camera_service.media.recorder_policy import (
    Action,
    Backoff,
    Inputs,
    Phase,
    decide,
    failures_after,
    status_of,
)

pytestmark = pytest.mark.unit

B = Backoff(retry_min=0.5, retry_max=4.0)


def test_wanted_and_not_running_starts() -> None:
    d = decide(Inputs(now=0, wanted=True), B)
    assert d.action is Action.START


def test_running_and_all_well_keeps_recording() -> None:
    assert decide(Inputs(now=0, wanted=True, running=True), B).phase is Phase.RECORDING


@pytest.mark.parametrize(
    ("inputs", "phase", "reason"),
    [
        (Inputs(0, wanted=False, idle_reason="mode off", running=True), Phase.IDLE, "mode off"),
        (Inputs(0, wanted=True, disk_ok=False, disk_reason="disk space low", running=True),
         Phase.PAUSED_DISK, "disk space low"),
        (Inputs(0, wanted=True, camera_ready=False, camera_reason="camera disconnected", running=True),
         Phase.WAITING_CAMERA, "camera disconnected"),
    ],
)  # fmt: skip
def test_each_cause_stops_a_running_recording_with_its_reason(
    inputs: Inputs, phase: Phase, reason: str
) -> None:
    d = decide(inputs, B)
    assert (d.action, d.phase, d.reason) == (Action.STOP, phase, reason)
    assert decide(Inputs(**{**inputs.__dict__, "running": False}), B).action is Action.NONE


def test_not_wanted_wins_over_every_fault() -> None:
    faults = Inputs(0, wanted=False, idle_reason="outside the schedule", disk_ok=False, camera_ready=False)
    d = decide(faults, B)
    assert (d.phase, d.reason) == (Phase.IDLE, "outside the schedule")


def test_after_a_failure_it_waits_out_the_back_off_then_retries() -> None:
    waiting = decide(Inputs(10.2, wanted=True, failures=1, last_failure_at=10.0, failure_reason="x"), B)
    assert (waiting.action, waiting.phase) == (Action.NONE, Phase.RETRYING)
    assert waiting.retry_in == pytest.approx(0.3)
    due = decide(Inputs(10.5, wanted=True, failures=1, last_failure_at=10.0), B)
    assert due.action is Action.START and due.phase is Phase.RETRYING


def test_back_off_doubles_up_to_its_cap() -> None:
    assert [B.delay(n) for n in range(0, 7)] == [0.0, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert B.delay(10_000) == 4.0


def test_a_stable_run_starts_a_new_failure_series_a_short_one_continues_it() -> None:
    assert failures_after(3, ran_for=60.0) == 1
    assert failures_after(3, ran_for=1.0) == 4
    assert failures_after(0, ran_for=None) == 1


def test_phases_map_to_the_compatibility_statuses() -> None:
    assert status_of(Phase.RECORDING) == "STARTED" and status_of(Phase.IDLE) == "STOPPED"
    assert {status_of(p) for p in (Phase.RETRYING, Phase.WAITING_CAMERA, Phase.PAUSED_DISK)} == {"FAILED"}


def test_while_the_source_refuses_connections_no_attempt_is_made() -> None:
    refused = Inputs(99, wanted=True, failures=3, last_failure_at=0.0, failure_reason="x", source_down=True)
    d = decide(refused, B)
    assert (d.action, d.phase, d.retry_in) == (Action.NONE, Phase.RETRYING, None)
