"""The motion methods as a client sees them (JSON through the real protocol and dispatcher)
over a real ``MotionService`` and its SQLite store: settings saved and checked, events listed
with filters and pages, signed links to their pictures, roles enforced, and every result in
the shape ``rpc.discover`` publishes."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest

from camera_service.cameras.registry import CameraRegistry
from camera_service.config.model import AuthConfig, Config, MotionConfig
from camera_service.events import EventBus
from camera_service.media.event_store import StoredEvent
from camera_service.models import Camera, CameraKind, CameraStatus, Notification
from camera_service.motion.service import MotionService
from camera_service.rpc import Dispatcher, Role, RpcContext, Session, protocol
from camera_service.rpc.methods import METHODS
from camera_service.rpc.openrpc import document

pytestmark = pytest.mark.integration

Env = tuple[Dispatcher, dict[Role, Session], MotionService]
BASE = float(int(time.time()) - 36_000)  # recent: younger than retain_days


@contextlib.asynccontextmanager
async def service(state: Path) -> AsyncIterator[Env]:
    config = Config(auth=AuthConfig(jwt_secret="s" * 40))
    registry = CameraRegistry()
    # unplugged: the worker waits for it and never starts ffmpeg
    registry.upsert(Camera("camera0", CameraKind.USB, "usb", CameraStatus.DISCONNECTED))
    registry.upsert(Camera("camera1", CameraKind.USB, "usb", CameraStatus.DISCONNECTED))
    bus: EventBus[Notification] = EventBus()
    async with MotionService(MotionConfig(), state, registry, bus, lambda c: "") as motion:
        d = Dispatcher(RpcContext(cameras=registry, config=config, motion=motion))
        sessions = {}
        for role in (Role.VIEWER, Role.OPERATOR, Role.ADMIN):
            sessions[role] = Session()
            sessions[role].principal = d.ctx.authenticator.authenticate(
                d.ctx.authenticator.mint("u", role, 60)
            )
        yield d, sessions, motion


async def call(env: Env, method: str, params: Any = None, role: Role = Role.VIEWER) -> Any:
    d, sessions, _ = env
    request = {"jsonrpc": "2.0", "method": method, "id": 1, **({"params": params} if params else {})}
    reply = await protocol.handle(json.dumps(request), lambda m, p: d.call(sessions[role], m, p))
    assert reply is not None
    answer = json.loads(reply)
    if "result" in answer:
        schema = METHODS[method].result_schema
        assert schema is not None
        jsonschema.validate(answer["result"], schema, format_checker=jsonschema.FormatChecker())
    return answer


def stored(n: int, camera: str = "camera0") -> StoredEvent:
    start = BASE + 100 * n
    return StoredEvent(f"{camera}_e{n}", camera, start, start + 8, start + 8, 4.0 + n, start + 2,
                       {"x": 0.1, "y": 0.2, "w": 0.3, "h": 0.4}, f"{camera}_e{n}.jpg",
                       f"{camera}_e{n}_thumb.jpg", "quiet", 5.0, 5.0)  # fmt: skip


async def test_settings_are_off_by_default_set_by_operators_and_kept(tmp_path: Path) -> None:
    async with service(tmp_path) as env:
        result = (await call(env, "get_motion_config", {"device": "camera0"}))["result"]
        assert (result["enabled"], result["source"], result["active_event"]) == (False, "default", None)
        denied = await call(env, "set_motion_config", {"device": "camera0", "enabled": True})
        assert denied["error"]["code"] == -32002
        masks = [[[0, 0], [0.5, 0], [0.5, 1]]]
        reply = await call(env, "set_motion_config",
                           {"device": "camera0", "enabled": True, "masks": masks, "threshold": 30},
                           Role.OPERATOR)  # fmt: skip
        assert reply["result"]["masks"] == masks and reply["result"]["source"] == "api"
        bad = await call(env, "set_motion_config", {"device": "camera0", "masks": [[[0, 0], [2, 0], [1, 1]]]},
                         Role.OPERATOR)  # fmt: skip
        assert bad["error"]["code"] == -32602 and "masks[0][1]" in bad["error"]["message"]
    async with service(tmp_path) as env:
        result = (await call(env, "get_motion_config", {"device": "camera0"}))["result"]
        assert (result["enabled"], result["threshold"], result["source"]) == (True, 30, "api")


async def test_events_are_listed_filtered_paged_and_deleted_by_admins(tmp_path: Path) -> None:
    async with service(tmp_path) as env:
        motion = env[2]
        for n in range(4):
            await motion.store.save(stored(n, "camera1" if n == 3 else "camera0"))
        everything = (await call(env, "list_events"))["result"]
        assert everything["total"] == 4
        assert [e["event_id"] for e in everything["events"]] == [
            "camera1_e3", "camera0_e2", "camera0_e1", "camera0_e0"]  # fmt: skip
        page = (await call(env, "list_events", {"device": "camera0", "limit": 1, "offset": 1}))["result"]
        assert page["total"] == 3 and [e["event_id"] for e in page["events"]] == ["camera0_e1"]
        window = (await call(env, "list_events", {"since": BASE + 150, "until": BASE + 250}))
        assert [e["event_id"] for e in window["result"]["events"]] == ["camera0_e2"]
        event = (await call(env, "get_event", {"event_id": "camera0_e1"}))["result"]
        assert event["status"] == "ended" and event["duration"] == 8 and event["score"] == 5.0
        assert event["clip"]["start"] == event["start"] - 5 and event["clip"]["end"] == event["end"] + 5
        link = urlsplit(event["snapshot_url"])
        assert link.path == "/files/events/camera0_e1.jpg"
        q = parse_qs(link.query)
        d = env[0]
        d.ctx.link_signer().verify("events", "camera0_e1.jpg", q["expires"][0], q["sig"][0],
                                   d.ctx.clock.time())  # fmt: skip
        refused = await call(env, "delete_event", {"event_id": "camera0_e1"}, Role.OPERATOR)
        assert refused["error"]["code"] == -32002
        gone = await call(env, "delete_event", {"event_id": "camera0_e1"}, Role.ADMIN)
        assert gone["result"] == {"deleted": True, "event_id": "camera0_e1", "success": True}
        missing = await call(env, "get_event", {"event_id": "camera0_e1"})
        assert missing["error"]["code"] == -32010
        bad = await call(env, "list_events", {"since": 10, "until": 5})
        assert bad["error"]["code"] == -32602


def test_discover_documents_the_methods_and_the_notification() -> None:
    doc = document(METHODS.values(), "test")
    names = {m["name"]: m for m in doc["methods"]}
    for name in ("get_motion_config", "set_motion_config", "list_events", "get_event", "delete_event"):
        schema = names[name]["result"]["schema"]  # acting methods: allOf [theirs, success]
        assert (schema.get("allOf") or [schema])[0]["type"] == "object"
    assert names["delete_event"]["x-required-role"] == "admin"
    notes = {n["name"]: n for n in doc["x-notifications"]}
    assert {p["name"] for p in notes["motion_event"]["params"]} >= {"device", "event_id", "status"}


async def test_a_running_event_cannot_be_deleted(tmp_path: Path) -> None:
    async with service(tmp_path) as env:
        motion = env[2]
        running = StoredEvent("camera0_run", "camera0", BASE, None, BASE + 3.0,
                              2.0, BASE + 1.0)  # fmt: skip
        await motion.store.save(running)
        motion.workers["camera0"].event = running  # what a worker holds while an event runs
        refused = await call(env, "delete_event", {"event_id": "camera0_run"}, Role.ADMIN)
        assert refused["error"]["code"] == -32020 and refused["error"]["data"]["state"] == "active"
        event = (await call(env, "get_event", {"event_id": "camera0_run"}))["result"]
        assert event["status"] == "active" and event["end"] is None
