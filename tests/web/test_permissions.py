"""The permission matrix of API.md, walked for every role and for an unauthenticated
connection, over a real WebSocket."""

from __future__ import annotations

from typing import Any

import pytest

from camera_service.rpc.methods import METHODS

from .stack import Stack, authed, call, connect, usb_camera

pytestmark = pytest.mark.contract

# method → minimum role, written down from API.md (not from the method table)
MATRIX: dict[str, str | None] = {
    "ping": None,
    "authenticate": None,
    "rpc.discover": None,
    "get_camera_list": "viewer",
    "get_camera_status": "viewer",
    "get_camera_capabilities": "viewer",
    "take_snapshot": "operator",
    "start_recording": "operator",
    "stop_recording": "operator",
    "list_recordings": "viewer",
    "list_snapshots": "viewer",
    "get_recording_info": "viewer",
    "get_snapshot_info": "viewer",
    "delete_recording": "admin",
    "delete_snapshot": "admin",
    "get_stream_url": "viewer",
    "get_stream_status": "viewer",
    "get_streams": "viewer",
    "get_storage_info": "admin",
    "set_retention_policy": "admin",
    "cleanup_old_files": "admin",
    "get_metrics": "admin",
    "get_status": "admin",
    "get_server_info": "viewer",
    "subscribe_events": "viewer",
    "unsubscribe_events": "viewer",
    "start_streaming": "operator",
    "stop_streaming": "operator",
    "get_system_status": "admin",
    "get_subscription_stats": "viewer",
    "add_external_stream": "operator",
    "remove_external_stream": "operator",
    "get_external_streams": "viewer",
    "discover_external_streams": "operator",
    "set_discovery_interval": "admin",
    "set_recording_mode": "operator",
    "get_recording_mode": "viewer",
    "get_recording_status": "viewer",
    "get_recording_timeline": "viewer",
}
ORDER = {None: 0, "viewer": 1, "operator": 2, "admin": 3}

PARAMS: dict[str, Any] = {
    "authenticate": {"auth_token": "not-a-valid-token"},
    "get_camera_status": {"device": "camera0"},
    "get_camera_capabilities": {"device": "camera0"},
    "take_snapshot": {"device": "camera0"},
    "start_recording": {"device": "camera0", "duration": 1},
    "stop_recording": {"device": "camera0"},
    "get_recording_info": {"filename": "none.mp4"},
    "get_snapshot_info": {"filename": "none.jpg"},
    "delete_recording": {"filename": "none.mp4"},
    "delete_snapshot": {"filename": "none.jpg"},
    "get_stream_url": {"device": "camera0"},
    "get_stream_status": {"device": "camera0"},
    "set_retention_policy": {"policy_type": "age", "max_age_days": 7, "enabled": False},
    "subscribe_events": {"topics": ["camera.connected"]},
    "start_streaming": {"device": "camera0"},
    "stop_streaming": {"device": "camera0"},
    "add_external_stream": {"stream_url": "rtsp://127.0.0.1:9/x"},
    "remove_external_stream": {"stream_url": "rtsp://127.0.0.1:9/x"},
    "set_discovery_interval": {"scan_interval": 0},
    "set_recording_mode": {"device": "camera0", "mode": "off"},
    "get_recording_mode": {"device": "camera0"},
    "get_recording_status": {"device": "camera0"},
    "get_recording_timeline": {"device": "camera0"},
}


def test_method_table_is_exactly_the_api() -> None:
    assert set(METHODS) == set(MATRIX)
    for name, role in MATRIX.items():
        required = METHODS[name].role
        assert (required.label if required is not None else None) == role, name


@pytest.mark.parametrize("role", [None, "viewer", "operator", "admin"])
async def test_every_method_for_role(stack: Stack, role: str | None) -> None:
    stack.registry.upsert(usb_camera(0))
    ws = await (authed(stack, role) if role else connect(stack.url))
    try:
        for method, needed in MATRIX.items():
            reply = await call(ws, method, PARAMS.get(method), id_=method)
            assert reply["id"] == method
            error = reply.get("error")
            code = error["code"] if error else None
            assert code != -32603, (method, role, reply)  # never an internal error
            if method == "authenticate":
                assert code == -32001 and error["data"]["reason"]
                # a failed authenticate drops the role; take it back for the rest of the walk
                if role:
                    again = await call(ws, method, {"auth_token": stack.token(role)})
                    assert again["result"]["role"] == role
                continue
            if ORDER[role] >= ORDER[needed]:
                assert code not in (-32001, -32002), (method, role, reply)
            elif role is None:
                assert code == -32001, (method, reply)
                assert error["data"]["reason"]
            else:
                assert code == -32002, (method, role, reply)
                assert error["data"] == {"required_role": needed, "have_role": role}
    finally:
        await ws.close()
