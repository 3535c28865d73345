"""Fan-out: 200 connected clients, one of which never reads. Every other client gets the
notification, the stuck one is dropped, and it never delays the others."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from camera_service.models import Notification

from .rawclient import RawClient
from .stack import TIMEOUT, api_stack, authed, call, eventually, usb_camera

pytestmark = pytest.mark.integration

CLIENTS = 200


async def test_stuck_client_is_dropped_and_the_others_get_every_notification(tmp_path: Path) -> None:
    async with api_stack(
        tmp_path,
        max_connections=CLIENTS + 10,
        unauthenticated_per_address=CLIENTS + 10,  # they all come from 127.0.0.1 at once
        unauthenticated_max_connections=CLIENTS + 10,
        send_queue_size=16,
        rate_limit=0,
    ) as stack:
        stuck = await RawClient.connect(stack.server.port, rcvbuf=4096)
        await stuck.send_json(
            {
                "jsonrpc": "2.0",
                "method": "authenticate",
                "params": {"auth_token": stack.token("viewer")},
                "id": 1,
            }
        )
        assert (await stuck.recv_json())["result"]["authenticated"] is True
        # from here on the stuck client never reads again

        readers = await asyncio.gather(*(authed(stack, "viewer") for _ in range(CLIENTS - 1)))
        replies = await asyncio.gather(
            *(call(ws, "subscribe_events", {"topics": ["camera.connected"]}) for ws in readers)
        )
        assert all(r["result"]["topics"] == ["camera.connected"] for r in replies)
        assert stack.server.connections == CLIENTS

        async def next_note(ws) -> dict[str, object]:  # type: ignore[no-untyped-def]
            return json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))

        stack.registry.upsert(usb_camera(0))
        notes = await asyncio.gather(*(next_note(ws) for ws in readers))
        for note in notes:
            assert note["method"] == "camera_status_update"
            assert note["params"]["device"] == "camera0"  # type: ignore[index]
            assert note["params"]["status"] == "CONNECTED"  # type: ignore[index]

        # only the stuck client takes camera.status: flood it until its queue overflows
        padding = "x" * 65536
        for _ in range(2000):
            if stack.server.connections < CLIENTS:
                break
            stack.bus.publish(
                Notification(
                    "camera_status_update",
                    "camera.status",
                    {"device": "camera0", "padding": padding},
                    "camera0",
                )
            )
            await asyncio.sleep(0)
        await eventually(lambda: stack.server.connections == CLIENTS - 1, "the stuck client to be dropped")
        assert stack.ctx.metrics.dropped_clients == 1
        # and its socket is really gone: reading its backlog ends in EOF or a reset
        await asyncio.wait_for(stuck.read_until_closed(), TIMEOUT * 2)
        stuck.close()

        # the others were not delayed and still get what they subscribed to
        stack.registry.upsert(usb_camera(1))
        notes = await asyncio.gather(*(next_note(ws) for ws in readers))
        assert {n["params"]["device"] for n in notes} == {"camera1"}  # type: ignore[index]
        pongs = await asyncio.gather(*(call(ws, "ping") for ws in readers))
        assert all(p["result"] == "pong" for p in pongs)
        await asyncio.gather(*(ws.close() for ws in readers))
