"""Notifications over the socket: camera changes reach authenticated clients as
``camera_status_update`` with the camera object; topic and device subscriptions filter."""

from __future__ import annotations

import asyncio
import json

import pytest

from camera_service.models import CameraStatus, Notification

from .stack import TIMEOUT, Stack, SteppedClock, api_stack, authed, call, connect, usb_camera

pytestmark = pytest.mark.integration


async def recv(ws) -> dict:  # type: ignore[no-untyped-def, type-arg]
    return json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))


async def test_camera_change_reaches_client_with_the_list_entry(stack: Stack) -> None:
    ws = await authed(stack, "viewer")
    stack.registry.upsert(usb_camera(0))
    note = await recv(ws)
    listed = (await call(ws, "get_camera_list"))["result"]["cameras"][0]
    assert note == {"jsonrpc": "2.0", "method": "camera_status_update", "params": listed}
    assert "/dev/" not in json.dumps(note)
    stack.registry.set_status("camera0", CameraStatus.DISCONNECTED, "unplugged")
    assert (await recv(ws))["params"]["status"] == "DISCONNECTED"
    await ws.close()


async def test_unauthenticated_clients_get_no_notifications(stack: Stack) -> None:
    anon = await connect(stack.url)
    stack.registry.upsert(usb_camera(0))
    assert await call(anon, "ping", id_="next") == {"jsonrpc": "2.0", "result": "pong", "id": "next"}
    await anon.close()


async def test_topics_and_device_filters_select_notifications(stack: Stack) -> None:
    ws = await authed(stack, "viewer")
    reply = await call(
        ws,
        "subscribe_events",
        {"topics": ["camera.disconnected", "recording.stop"], "filters": {"device": "camera1"}},
    )
    assert reply["result"] == {
        "subscribed": True,
        "topics": ["camera.disconnected", "recording.stop"],
        "filters": {"device": ["camera1"]},
    }
    stack.registry.upsert(usb_camera(0))  # camera.connected: not subscribed
    stack.registry.upsert(usb_camera(1))
    stack.registry.set_status("camera0", CameraStatus.DISCONNECTED)  # other device
    stack.bus.publish(
        Notification(
            "recording_status_update", "recording.stop", {"device": "camera1", "status": "STOPPED"}, "camera1"
        )
    )
    stack.registry.set_status("camera1", CameraStatus.DISCONNECTED)
    first, second = await recv(ws), await recv(ws)
    assert first["method"] == "recording_status_update" and first["params"]["device"] == "camera1"
    assert second["params"] == {**second["params"], "device": "camera1", "status": "DISCONNECTED"}
    reply = await call(ws, "unsubscribe_events", {"topics": ["recording.stop"]})
    assert reply["result"]["topics"] == ["camera.disconnected"]
    reply = await call(ws, "unsubscribe_events")
    assert reply["result"] == {
        "unsubscribed": True, "subscribed": False, "topics": [], "filters": {"device": ["camera1"]}
    }
    await ws.close()


async def test_unknown_topic_is_invalid_params(stack: Stack) -> None:
    ws = await authed(stack, "viewer")
    reply = await call(ws, "subscribe_events", {"topics": ["camera.exploded"]})
    assert reply["error"]["code"] == -32602 and reply["error"]["data"]["param"] == "topics"
    await ws.close()


async def test_expired_session_stops_getting_notifications(tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock = SteppedClock()
    async with api_stack(tmp_path, clock=clock) as stack:
        short = await connect(stack.url)
        reply = await call(short, "authenticate", {"auth_token": stack.token("viewer", expires_in=60)})
        assert reply["result"]["authenticated"]
        long = await authed(stack, "viewer")  # default expiry: an hour
        clock.advance(120)
        stack.registry.upsert(usb_camera(0))
        assert (await recv(long))["params"]["device"] == "camera0"
        assert await call(short, "ping", id_="next") == {"jsonrpc": "2.0", "result": "pong", "id": "next"}
        await short.close()
        await long.close()
