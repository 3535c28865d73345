"""Normal operation leaves MediaMTX's log clean (suite ``mediamtx``): the service asks
MediaMTX only about what exists (one ``paths/list``), so status calls on a camera whose
path is idle, and on one that streams, add no ``ERR`` or ``WAR`` line."""

from __future__ import annotations

import re

import pytest
from guarded_stack import Guarded, guarded, until

from camera_service.rpc.auth import Role
from web.stack import call, connect

pytestmark = pytest.mark.mediamtx

__all__ = ["guarded"]  # the fixture, re-exported

PROBLEM = re.compile(r"^\S+ \S+ (ERR|WAR) ", re.MULTILINE)
CALLS = (("get_camera_status", {"device": "camera0"}), ("get_stream_url", {"device": "camera0"}),
         ("get_stream_status", {"device": "camera0"}), ("get_streams", None),
         ("get_camera_list", None), ("get_status", None))


async def test_status_calls_leave_no_error_or_warning_in_mediamtx_log(guarded: Guarded) -> None:
    # from here on (the test harness's own start-up settings may warn about themselves)
    before = len(guarded.mediamtx.log_tail(10_000_000))
    ws = await connect(f"ws://127.0.0.1:{guarded.app.port}/ws")
    try:
        assert (await call(ws, "authenticate", {"auth_token": guarded.token(Role.ADMIN)}))["result"]
        for _ in range(3):  # idle: camera0 configured, no publisher running
            for method, params in CALLS:
                reply = await call(ws, method, params)
                assert "result" in reply, (method, reply)
        status = (await call(ws, "get_camera_status", {"device": "camera0"}))["result"]
        assert status["stream"] == {"path": "camera0", "in_mediamtx": True, "ready": False}
        started = await call(ws, "start_streaming", {"device": "camera0"})
        assert "result" in started, started

        async def ready() -> bool:
            reply = await call(ws, "get_camera_status", {"device": "camera0"})
            return bool(reply["result"]["stream"]["ready"])

        await until(ready, "camera0 streaming")
        for method, params in CALLS:
            assert "result" in await call(ws, method, params)
        assert "result" in await call(ws, "stop_streaming", {"device": "camera0"})
    finally:
        await ws.close()
    log = guarded.mediamtx.log_tail(10_000_000)[before:]
    assert "[path camera0] runOnDemand command started" in log  # it did stream
    assert not PROBLEM.findall(log), "\n".join(
        line for line in log.splitlines() if PROBLEM.match(line + "\n"))
