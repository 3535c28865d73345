"""The real daemon against compat.json, the interface existing clients speak: for every one
of its methods a valid request (admin token, the legacy ``authenticate {token, auth_type}``),
each result validated with jsonschema against the method's result schema, and both
notifications validated against theirs (a network camera coming up and going away gives
``camera_status_update``, a recording of the test-pattern camera ``recording_status_update``).

No method may answer -32601. Without MediaMTX (this machine) the stream methods that need it
may answer an error, which must still be one of compat.json's codes; the ``mediamtx`` test
below asks them again with a real MediaMTX and then requires results.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import jsonschema
import pytest

from camera_service.rpc.methods import ACTS
from camera_service.rpc.methods import METHODS as TABLE
from camera_service.rpc.schemas import ERRORS, METHODS, NOTIFICATIONS, SCHEMAS, inline_refs
from support.daemon import TIMEOUT, Client, Daemon, closed_port
from support.rtsp_server import RtspTestServer, available

pytestmark = pytest.mark.contract

# answer an error where MediaMTX is absent (the mediamtx test requires results)
NEEDS_MEDIAMTX = frozenset({"get_stream_status", "get_streams", "start_streaming", "stop_streaming"})
EXTERNAL_URL = f"rtsp://127.0.0.1:{closed_port()}/contract"


def result_schema(method: str) -> Any:
    return inline_refs(METHODS[method]["result"])


def params_schema(notification: str) -> dict[str, Any]:
    params = NOTIFICATIONS[notification]["params"]
    return {
        "type": "object",
        "properties": {p["name"]: inline_refs(p["schema"]) for p in params},
        "required": [p["name"] for p in params if p["required"]],
    }


@dataclass
class Run:
    """What one pass over the whole API got back."""

    replies: dict[str, dict[str, Any]] = field(default_factory=dict)
    recording_status: list[dict[str, Any]] = field(default_factory=list)  # while, after
    notifications: list[dict[str, Any]] = field(default_factory=list)
    log: str = ""


async def _wait_connected(client: Client, device: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while loop.time() < deadline:
        cams = {c["device"]: c for c in (await client.result("get_camera_list"))["cameras"]}
        if cams.get(device, {}).get("status") == "CONNECTED":
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"{device} not CONNECTED within {TIMEOUT}s")


async def _exercise(daemon: Daemon, rtsp: RtspTestServer | None) -> Run:
    run = Run()
    client = await Client.connect(daemon.url)
    r = run.replies

    async def ask(method: str, params: Any = None) -> dict[str, Any]:
        r[method] = await client.call(method, params)
        return r[method]

    try:
        await ask("ping")
        await ask("authenticate", {"token": daemon.token("admin"), "auth_type": "jwt"})
        await ask("subscribe_events", {"topics": ["camera_status_update", "recording_status_update"]})
        await _wait_connected(client, "camera0")
        if rtsp is not None:  # the network camera (camera1) comes up now: camera_status_update
            await asyncio.to_thread(rtsp.start)
            await client.notification("camera_status_update", device="camera1", status="CONNECTED")
        await ask("get_camera_list")
        await ask("get_camera_status", {"device": "camera0"})
        await ask("get_camera_capabilities", {"device": "camera0"})
        snap = await ask("take_snapshot", {"device": "camera0"})
        await ask("start_recording", {"device": "camera0", "format": "mp4"})
        await asyncio.sleep(1.0)
        run.recording_status.append(await client.call("get_recording_status", {"device": "camera0"}))
        rec = await ask("stop_recording", {"device": "camera0"})
        run.recording_status.append(await client.call("get_recording_status", {"device": "camera0"}))
        await client.notification("recording_status_update", device="camera0", status="STOPPED")
        await ask("list_recordings", {"limit": 10, "offset": 0})
        await ask("list_snapshots", {"limit": 10, "offset": 0})
        recording = rec.get("result", {}).get("filename", "none.mp4")
        snapshot = snap.get("result", {}).get("filename", "none.jpg")
        await ask("get_recording_info", {"filename": recording})
        await ask("get_snapshot_info", {"filename": snapshot})
        await ask("get_stream_url", {"device": "camera0"})
        await ask("get_stream_status", {"device": "camera0"})
        await ask("get_streams")
        await ask("start_streaming", {"device": "camera0"})
        await ask("stop_streaming", {"device": "camera0"})
        await ask("get_metrics")
        await ask("get_status")
        await ask("get_system_status")
        await ask("get_server_info")
        await ask("get_storage_info")
        await ask("set_retention_policy", {"policy_type": "age", "max_age_days": 30, "enabled": False})
        await ask("cleanup_old_files")
        await ask("get_subscription_stats")
        await ask("discover_external_streams", {"skydio_enabled": False, "generic_enabled": True})
        await ask("add_external_stream", {"stream_url": EXTERNAL_URL, "stream_name": "contract"})
        await ask("get_external_streams")
        await ask("remove_external_stream", {"stream_url": EXTERNAL_URL})
        await ask("set_discovery_interval", {"scan_interval": 300})
        await ask("delete_recording", {"filename": recording})
        await ask("delete_snapshot", {"filename": snapshot})
        await ask("unsubscribe_events", {"topics": ["recording_status_update"]})
        if rtsp is not None:  # and goes away: camera_status_update DISCONNECTED
            await asyncio.to_thread(rtsp.stop)
            await client.notification("camera_status_update", device="camera1", status="DISCONNECTED")
    finally:
        await client.close()
        run.notifications = [f for f in client.frames if "method" in f]
    return run


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg missing: apt-get install ffmpeg")
    rtsp = RtspTestServer() if available() is None else None  # not started yet
    extra = f"  network:\n    - url: {rtsp.url}\n      name: Door\n" if rtsp is not None else ""
    daemon = Daemon(tmp_path_factory.mktemp("contract"), extra)
    try:
        # a loop of its own in a thread of its own: asyncio.run here would unset (and leak)
        # the loop pytest-asyncio keeps current in the main thread between tests
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            result = pool.submit(asyncio.run, _exercise(daemon, rtsp)).result()
    finally:
        daemon.stop()
        if rtsp is not None:
            rtsp.stop()
    result.log = daemon.log_text()
    yield result


@pytest.mark.parametrize("method", list(METHODS))
def test_result_validates_against_the_compat_schema(run: Run, method: str) -> None:
    reply = run.replies.get(method)
    assert reply is not None, f"{method} was not asked"
    error = reply.get("error")
    if error is not None:
        assert error["code"] != -32601, f"{method} is not implemented: {error}"
        assert method in NEEDS_MEDIAMTX, f"{method} failed: {error}"
        assert str(error["code"]) in ERRORS, error
        assert isinstance(error["message"], str) and error["message"]
        return
    jsonschema.validate(reply["result"], result_schema(method))


@pytest.mark.parametrize("method", list(METHODS))
def test_acting_methods_answer_success_true(run: Run, method: str) -> None:
    """The reference project's clients check ``success`` in what an acting method answers
    (an extra field: compat's schema allows it); methods that only read carry none."""
    result = run.replies[method].get("result")
    if result is None:  # an error, judged by the test above
        assert method in NEEDS_MEDIAMTX, run.replies[method]
        return
    if method in ACTS:
        assert result["success"] is True, result
        jsonschema.validate(result, inline_refs(TABLE[method].result_schema))
    else:
        assert not (isinstance(result, dict) and "success" in result), result


def test_recording_status_answers_the_recording_in_progress_then_null(run: Run) -> None:
    during, after = run.recording_status
    schema = TABLE["get_recording_status"].result_schema
    assert schema is not None
    jsonschema.validate(during["result"], schema)
    jsonschema.validate(after["result"], schema)
    started = run.replies["start_recording"]["result"]
    assert during["result"]["filename"] == started["filename"] and during["result"]["status"] == "RECORDING"
    assert during["result"]["device"] == "camera0" and during["result"]["format"] == "mp4"
    assert after["result"] is None


def test_start_recording_also_answers_in_the_reference_example_client_shape(run: Run) -> None:
    started = run.replies["start_recording"]["result"]
    assert started["recording"] == {
        "device_path": "camera0", "recording_id": started["filename"], "filename": started["filename"],
        "start_time": started["recording"]["start_time"], "status": "RECORDING",
    }  # fmt: skip
    assert isinstance(started["recording"]["start_time"], float)  # Unix seconds, as it formats them


def test_stop_recording_and_its_stopped_notification_carry_both_links(run: Run) -> None:
    rec = run.replies["stop_recording"]["result"]
    assert rec["download_url"].startswith("http") and rec["save_url"] == rec["download_url"] + "&download=1"
    stopped = [n["params"] for n in run.notifications
               if n["method"] == "recording_status_update" and n["params"]["status"] == "STOPPED"]
    assert stopped and stopped[0]["filename"] == rec["filename"]
    assert stopped[0]["save_url"] == stopped[0]["download_url"] + "&download=1"
    assert f"/files/recordings/{rec['filename']}?" in stopped[0]["download_url"]


@pytest.mark.parametrize("notification", list(NOTIFICATIONS))
def test_notifications_validate_against_their_compat_params(run: Run, notification: str) -> None:
    seen = [n for n in run.notifications if n["method"] == notification]
    if not seen and notification == "camera_status_update":
        pytest.skip(f"no network test camera for a camera change: {available()}")
    assert seen, f"no {notification} arrived"
    for note in seen:
        jsonschema.validate(note["params"], params_schema(notification))
        assert note["params"]["device"] and note["params"]["status"]


def test_notifications_carry_the_compat_statuses(run: Run) -> None:
    statuses = [n["params"]["status"] for n in run.notifications if n["method"] == "recording_status_update"]
    assert statuses[:2] == ["STARTED", "STOPPED"]
    assert all(isinstance(n["params"]["duration"], int) for n in run.notifications
               if n["method"] == "recording_status_update")  # fmt: skip


def test_schemas_name_only_known_refs() -> None:
    text = json.dumps([METHODS, NOTIFICATIONS, SCHEMAS])
    for part in text.split('"#/schemas/')[1:]:
        assert part.split('"')[0] in SCHEMAS


def test_daemon_logged_no_traceback(run: Run) -> None:
    assert "Traceback" not in run.log, run.log[-4000:]
