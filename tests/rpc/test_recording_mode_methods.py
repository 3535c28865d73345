"""``set_recording_mode``, ``get_recording_mode`` and ``get_recording_timeline`` as a client
sees them (JSON through the real protocol and dispatcher) over a real ``Recorder`` and real
storage: a mode is saved before it is in force and kept across a restart, bad input names
its key, a mode that cannot be saved changes nothing."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from camera_service.cameras.registry import CameraRegistry
from camera_service.config.model import AuthConfig, Config, RecordingConfig, StorageConfig
from camera_service.events import EventBus
from camera_service.media import Storage
from camera_service.media.motion_buffer import Capture
from camera_service.media.recorder import Recorder
from camera_service.media.recording_store import MODES_FILE
from camera_service.models import Camera, CameraKind, CameraStatus, Notification
from camera_service.rpc import Dispatcher, Role, RpcContext, Session, protocol
from camera_service.rpc.methods import METHODS

pytestmark = pytest.mark.integration

WEEKDAYS = [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "08:00", "end": "18:00"}]


@contextlib.asynccontextmanager
async def service(state: Path) -> AsyncIterator[tuple[Dispatcher, Session]]:
    storage_config = StorageConfig(state_dir=state, snapshots_dir=state / "snapshots",
                                   recordings_dir=state / "recordings", min_free_mb=0)  # fmt: skip
    config = Config(auth=AuthConfig(jwt_secret="s" * 40), storage=storage_config)
    registry = CameraRegistry()
    # a USB camera that is unplugged: the recorder waits for it, never starts ffmpeg
    registry.upsert(Camera("camera0", CameraKind.USB, "usb", CameraStatus.DISCONNECTED))
    bus: EventBus[Notification] = EventBus()
    async with Storage(storage_config) as storage, Recorder(
        RecordingConfig(), storage, registry, bus, lambda c: "rtsp://127.0.0.1:9/none"
    ) as recorder:
        d = Dispatcher(RpcContext(cameras=registry, config=config, files=storage, recorder=recorder))
        operator = Session()
        operator.principal = d.ctx.authenticator.authenticate(
            d.ctx.authenticator.mint("u", Role.OPERATOR, 60)
        )
        yield d, operator


async def call(env: tuple[Dispatcher, Session], method: str, params: Any = None) -> Any:
    d, session = env
    request = {"jsonrpc": "2.0", "method": method, "id": 1, **({"params": params} if params else {})}
    reply = await protocol.handle(json.dumps(request), lambda m, p: d.call(session, m, p))
    assert reply is not None
    answer = json.loads(reply)
    if "result" in answer:  # every result has the shape rpc.discover publishes for it
        schema = METHODS[method].result_schema
        assert schema is not None
        jsonschema.validate(answer["result"], schema, format_checker=jsonschema.FormatChecker())
    return answer


async def test_a_camera_without_settings_is_off_by_default(tmp_path: Path) -> None:
    async with service(tmp_path) as env:
        result = (await call(env, "get_recording_mode", {"device": "camera0"}))["result"]
    assert result["mode"] == "off" and result["source"] == "default" and result["status"] == "STOPPED"
    assert (result["segment_seconds"], result["format"], result["schedule"]) == (300, "fmp4", [])


async def test_a_schedule_set_is_saved_and_in_force_after_a_restart(tmp_path: Path) -> None:
    async with service(tmp_path) as env:
        reply = await call(env, "set_recording_mode",
                           {"device": "camera0", "mode": "schedule", "schedule": WEEKDAYS,
                            "segment_seconds": 60, "retention": {"max_age_days": 7}})  # fmt: skip
        assert reply["result"]["schedule"] == WEEKDAYS
        assert reply["result"]["retention"] == {"max_age_days": 7.0, "max_size_gb": None}
    assert (tmp_path / MODES_FILE).exists()
    async with service(tmp_path) as env:
        result = (await call(env, "get_recording_mode", {"device": "camera0"}))["result"]
        assert (result["mode"], result["segment_seconds"], result["source"]) == ("schedule", 60, "api")
        # keys not given keep their value; {} removes the retention
        reply = await call(env, "set_recording_mode", {"device": "camera0", "retention": {}})
        assert reply["result"]["retention"] is None and reply["result"]["mode"] == "schedule"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"mode": "schedule", "schedule": [{"start": "8am", "end": "18:00"}]}, "schedule[0].start"),
        ({"mode": "schedule", "schedule": []}, "needs at least one window"),
        ({"mode": "always"}, "'mode' must be one of off, continuous, schedule"),
        ({"retention": {"max_age_days": 0}}, "retention.max_age_days"),
    ],
)
async def test_bad_settings_are_invalid_params_naming_the_key(
    tmp_path: Path, params: dict[str, Any], message: str
) -> None:
    async with service(tmp_path) as env:
        reply = await call(env, "set_recording_mode", {"device": "camera0", **params})
        assert reply["error"]["code"] == -32602, reply
        assert message in json.dumps(reply["error"]), reply
        assert (await call(env, "get_recording_mode", {"device": "camera0"}))["result"]["mode"] == "off"
    assert not (tmp_path / MODES_FILE).exists()


async def test_a_mode_that_cannot_be_saved_is_a_disk_error_and_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / MODES_FILE / "in-the-way").mkdir(parents=True)
    async with service(tmp_path) as env:
        reply = await call(env, "set_recording_mode", {"device": "camera0", "mode": "continuous"})
        assert reply["error"]["code"] == -32050 and "cannot save the recording mode" in json.dumps(reply)
        assert (await call(env, "get_recording_mode", {"device": "camera0"}))["result"]["mode"] == "off"


async def test_unknown_cameras_and_backwards_periods_are_refused(tmp_path: Path) -> None:
    async with service(tmp_path) as env:
        reply = await call(env, "get_recording_mode", {"device": "camera7"})
        assert reply["error"]["data"] == {"resource": "camera", "id": "camera7"}, reply
        reply = await call(env, "get_recording_timeline", {"device": "camera0", "from": 100, "to": 50})
        assert reply["error"]["code"] == -32602
        empty = (await call(env, "get_recording_timeline", {"device": "camera0"}))["result"]
        assert empty == {"device": "camera0", "ranges": [], "gaps": [], "covered": 0}


async def phase_reached(env: tuple[Dispatcher, Session], phase: str) -> dict[str, Any]:
    """camera0's ``get_recording_mode`` result once it is in ``phase`` (or the last one, after
    5 s: the caller's assertions say what was wrong)."""
    for _ in range(100):
        result: dict[str, Any] = (await call(env, "get_recording_mode", {"device": "camera0"}))["result"]
        if result["phase"] == phase:
            break
        await asyncio.sleep(0.05)
    return result


async def test_a_waiting_camera_is_failed_with_its_reason_once_recording_is_wanted(tmp_path: Path) -> None:
    async with service(tmp_path) as env:
        await call(env, "set_recording_mode", {"device": "camera0", "mode": "continuous"})
        recorder = env[0].ctx.recorder
        assert recorder is not None
        result = await phase_reached(env, "waiting_camera")
        assert (result["status"], result["reason"]) == ("FAILED", "camera disconnected")


async def test_mode_motion_waits_for_motion_detection_then_for_the_camera(tmp_path: Path) -> None:
    async with service(tmp_path) as env:
        reply = await call(env, "set_recording_mode", {"device": "camera0", "mode": "motion"})
        result = reply["result"]
        assert (result["mode"], result["phase"]) == ("motion", "idle")
        assert result["reason"] == "motion detection off"
        empty = {"seconds": 0, "bytes": 0, "max_bytes": 32 * 1024 * 1024, "capturing": False}
        assert result["buffer"] == empty
        recorder = env[0].ctx.recorder
        assert isinstance(recorder, Recorder)
        recorder.buffer.capture_for = lambda camera_id: Capture(enabled=True)  # as the app wires it
        result = await phase_reached(env, "waiting_camera")
        assert (result["status"], result["reason"]) == ("FAILED", "camera disconnected")
        off = (await call(env, "set_recording_mode", {"device": "camera0", "mode": "off"}))["result"]
        assert off["buffer"] is None
