"""What existing clients send and expect, over a real WebSocket to the real API stack: the
legacy ``authenticate {token, auth_type}``, notification names as topics, cameras addressed
by ``/dev/videoN``, error messages that say the reason, compat shapes of status, server info,
subscription statistics and metrics, and ``rate_limit: 0`` as no limit."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from camera_service.models import TOPICS, Notification
from camera_service.rpc.auth import Role, key_file_entry
from camera_service.rpc.schemas import METHODS, inline_refs

from .stack import TIMEOUT, Stack, SteppedClock, api_stack, authed, call, connect, usb_camera

pytestmark = pytest.mark.integration

API_KEY = "csk_compat-test-key"


def schema(method: str) -> Any:
    return inline_refs(METHODS[method]["result"])


async def recv(ws: Any) -> dict[str, Any]:
    return dict(json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT)))


@pytest.fixture
async def keyed(tmp_path: Path):  # type: ignore[no-untyped-def]
    keys = tmp_path / "keys.yaml"
    keys.write_text("keys:\n" + key_file_entry("dash", Role.OPERATOR, API_KEY))
    async with api_stack(tmp_path, api_key_file=keys) as s:
        yield s


# -- authenticate ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"token": "JWT"},
        {"token": "JWT", "auth_type": "jwt"},
        {"auth_token": "JWT", "auth_type": "auto"},
        {"token": API_KEY, "auth_type": "api_key"},
        {"auth_token": API_KEY},
    ],
)
async def test_legacy_and_current_authenticate_forms_are_accepted(
    keyed: Stack, params: dict[str, str]
) -> None:
    params = {k: keyed.token("operator") if v == "JWT" else v for k, v in params.items()}
    ws = await connect(keyed.url)
    result = (await call(ws, "authenticate", params))["result"]
    jsonschema.validate(result, schema("authenticate"))
    assert result["authenticated"] is True and result["role"] == "operator"
    assert (await call(ws, "get_camera_list"))["result"]["total"] == 0  # the session is in
    await ws.close()


async def test_auth_type_tries_only_the_named_kind(keyed: Stack) -> None:
    ws = await connect(keyed.url)
    reply = await call(ws, "authenticate", {"token": API_KEY, "auth_type": "jwt"})
    assert reply["error"]["code"] == -32001
    assert reply["error"]["message"].startswith("Authentication failed: invalid token")
    reply = await call(ws, "authenticate", {"token": keyed.token("admin"), "auth_type": "api_key"})
    assert reply["error"] == {
        "code": -32001,
        "message": "Authentication failed: invalid API key",
        "data": {"reason": "invalid API key"},
    }
    reply = await call(ws, "authenticate", {"token": "x", "auth_type": "password"})
    assert reply["error"]["code"] == -32602 and reply["error"]["data"] == {"param": "auth_type"}
    await ws.close()


async def test_authenticate_without_any_token_names_both_parameters(stack: Stack) -> None:
    ws = await connect(stack.url)
    reply = await call(ws, "authenticate", {"auth_type": "jwt"})
    assert reply["error"]["code"] == -32602 and reply["error"]["data"] == {"param": "auth_token"}
    assert "'auth_token' (or 'token')" in reply["error"]["message"]
    await ws.close()


# -- error messages --------------------------------------------------------------------------


async def test_error_messages_say_the_reason_and_keep_their_data(tmp_path: Path) -> None:
    clock = SteppedClock()
    async with api_stack(tmp_path, clock=clock) as stack:
        anon = await connect(stack.url)
        reply = await call(anon, "get_camera_list")
        assert reply["error"]["message"] == "Authentication required: call authenticate first"
        assert reply["error"]["data"] == {"reason": "authentication required"}
        viewer = await authed(stack, "viewer")
        reply = await call(viewer, "take_snapshot", {"device": "camera0"})
        assert reply["error"] == {
            "code": -32002,
            "message": "Permission denied: take_snapshot needs the operator role (you have viewer)",
            "data": {"required_role": "operator", "have_role": "viewer"},
        }
        reply = await call(viewer, "get_camera_status", {"device": "camera9"})
        assert reply["error"]["message"].startswith("Camera not found: camera9")
        assert reply["error"]["data"] == {"resource": "camera", "id": "camera9"}
        reply = await call(viewer, "get_recording_info", {"filename": "gone.mp4"})
        assert reply["error"]["message"] == "Recording not found: gone.mp4"
        short = await connect(stack.url)
        await call(short, "authenticate", {"token": stack.token("viewer", expires_in=60)})
        clock.advance(120)
        reply = await call(short, "get_camera_list")
        assert reply["error"] == {
            "code": -32001,
            "message": "Authentication failed: token expired",
            "data": {"reason": "token expired"},
        }
        for ws in (anon, viewer, short):
            await ws.close()


# -- topics ----------------------------------------------------------------------------------


async def test_notification_names_subscribe_to_their_topic_groups(stack: Stack) -> None:
    ws = await authed(stack, "viewer")
    reply = await call(ws, "subscribe_events", {"topics": ["camera_status_update"]})
    assert reply["result"]["topics"] == ["camera.connected", "camera.disconnected", "camera.status"]
    stack.bus.publish(
        Notification("recording_status_update", "recording.stop", {"device": "camera0"}, "camera0")
    )
    stack.registry.upsert(usb_camera(0))  # camera.connected: subscribed through the alias
    assert (await recv(ws))["method"] == "camera_status_update"  # the recording one never came
    reply = await call(ws, "subscribe_events", {"topics": ["recording_status_update", "snapshot_taken"]})
    assert reply["result"]["topics"] == [
        "camera.connected", "camera.disconnected", "camera.status",
        "recording.start", "recording.stop", "recording.error", "snapshot.taken",
    ]  # fmt: skip
    reply = await call(ws, "unsubscribe_events", {"topics": ["camera_status_update"]})
    assert reply["result"]["unsubscribed"] is True
    assert reply["result"]["topics"] == [
        "recording.start", "recording.stop", "recording.error", "snapshot.taken"
    ]  # fmt: skip
    jsonschema.validate(reply["result"], schema("unsubscribe_events"))
    reply = await call(ws, "subscribe_events", {"topics": ["camera_status"]})
    assert reply["error"]["code"] == -32602 and "camera_status_update" in reply["error"]["message"]
    await ws.close()


# -- /dev/videoN -----------------------------------------------------------------------------


async def test_cameras_are_addressable_by_their_device_node(stack: Stack) -> None:
    stack.registry.upsert(usb_camera(0))  # at /dev/video0
    stack.registry.upsert(usb_camera(1))  # at /dev/video2
    ws = await authed(stack, "viewer")
    by_node = (await call(ws, "get_camera_status", {"device": "/dev/video2"}))["result"]
    assert by_node["device"] == "camera1" and "/dev/" not in json.dumps(by_node)
    caps = (await call(ws, "get_camera_capabilities", {"device": "/dev/video0"}))["result"]
    assert caps["device"] == "camera0"
    url = (await call(ws, "get_stream_url", {"device": "/dev/video0"}))["result"]
    assert url["device"] == "camera0"
    reply = await call(ws, "get_camera_status", {"device": "/dev/video9"})
    assert reply["error"] == {
        "code": -32010,
        "message": "Camera not found: no camera is at /dev/video9",
        "data": {"resource": "camera", "id": "/dev/video9"},
    }
    await ws.close()


# -- status, server info, subscription stats, metrics -----------------------------------------


async def test_status_has_compat_status_and_string_components(stack: Stack) -> None:
    stack.registry.set_health(True, "running")  # what the camera monitor reports (none runs here)
    ws = await authed(stack, "admin")
    status = (await call(ws, "get_status"))["result"]
    jsonschema.validate(status, schema("get_status"))
    assert status["status"] == "DEGRADED"  # MediaMTX is unreachable
    assert status["components"]["websocket_server"] == "running"
    assert status["components"]["camera_monitor"] == "running"
    assert status["components"]["mediamtx"].startswith("unreachable: ")
    assert status["component_health"]["mediamtx"]["healthy"] is False
    system = (await call(ws, "get_system_status"))["result"]
    assert {**system, "uptime": 0} == {**status, "uptime": 0}
    info = (await call(ws, "get_server_info"))["result"]
    jsonschema.validate(info, schema("get_server_info"))
    assert info["status"] == status["status"] and info["components"] == status["components"]
    assert info["architecture"] and info["build_date"].endswith("Z") and info["max_cameras"] > 0
    stack.registry.set_health(False, "stopped")
    assert (await call(ws, "get_status"))["result"]["status"] == "UNHEALTHY"
    await ws.close()


async def test_subscription_stats_count_the_live_connections(stack: Stack) -> None:
    everything = await authed(stack, "viewer")  # never subscribed: every topic
    cameras = await authed(stack, "viewer")
    await call(cameras, "subscribe_events", {"topics": ["camera_status_update"]})
    anon = await connect(stack.url)  # not authenticated: no notifications, not counted
    await call(anon, "ping")
    me = await connect(stack.url)
    session = (await call(me, "authenticate", {"token": stack.token("admin")}))["result"]["session_id"]
    await call(me, "unsubscribe_events")  # nothing at all
    stats = (await call(me, "get_subscription_stats"))["result"]
    jsonschema.validate(stats, schema("get_subscription_stats"))
    assert stats["client_id"] == session and stats["client_topics"] == []
    g = stats["global_stats"]
    assert g["active_clients"] == 3
    assert g["topic_counts"]["camera.connected"] == 2 and g["topic_counts"]["recording.stop"] == 1
    assert g["total_subscriptions"] == len(TOPICS) + 3  # every topic, and the camera group
    for ws in (everything, cameras, anon, me):
        await ws.close()


async def test_metrics_have_the_compat_fields_and_a_real_p95(stack: Stack) -> None:
    stack.registry.upsert(usb_camera(0))
    ws = await authed(stack, "admin")
    for _ in range(40):
        await call(ws, "ping")
    metrics = (await call(ws, "get_metrics"))["result"]
    jsonschema.validate(metrics, schema("get_metrics"))
    ping = metrics["methods"]["ping"]
    assert ping["count"] == 40 and 0 < ping["p95_ms"] <= ping["max_ms"]
    assert metrics["camera_metrics"]["connected_cameras"] == 1
    assert metrics["camera_metrics"]["cameras"]["camera0"]["status"] == "CONNECTED"
    assert metrics["stream_metrics"] == {"active_streams": 0, "total_streams": 1, "total_viewers": 0}
    assert 0 < metrics["system_metrics"]["memory_usage"] <= 100
    assert 0 <= metrics["system_metrics"]["disk_usage"] <= 100
    assert metrics["recording_metrics"]["active_recordings"] == 0
    await ws.close()


async def test_rate_limit_zero_means_no_limit(tmp_path: Path) -> None:
    async with api_stack(tmp_path, rate_limit=0, rate_burst=1) as stack:
        ws = await authed(stack, "viewer")
        replies = [await call(ws, "ping", id_=i) for i in range(50)]
        assert all(r.get("result") == "pong" for r in replies)
        assert stack.ctx.metrics.rate_limited == 0
        await ws.close()


async def test_discover_over_the_socket_carries_schemas_and_notifications(stack: Stack) -> None:
    ws = await connect(stack.url)
    doc = (await call(ws, "rpc.discover"))["result"]
    by_name = {m["name"]: m for m in doc["methods"]}
    assert by_name["get_subscription_stats"]["result"]["schema"] == {
        "$ref": "#/components/schemas/SubscriptionStats"
    }
    assert {n["name"] for n in doc["x-notifications"]} == {
        "camera_status_update", "recording_status_update", "motion_event"
    }  # fmt: skip
    assert "StatusResult" in doc["components"]["schemas"]
    await ws.close()
