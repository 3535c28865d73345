"""The method table and dispatcher over the real (pure) camera registry, without sockets."""

from __future__ import annotations

from typing import Any

import pytest

from camera_service.cameras.registry import CameraRegistry
from camera_service.config.model import AuthConfig, Config
from camera_service.errors import AuthError, CameraNotFound, MediaMTXUnavailable, PermissionDenied
from camera_service.models import Camera, CameraKind, CameraMode, CameraStatus
from camera_service.rpc import Dispatcher, Role, RpcContext, Session
from camera_service.rpc.errors import RpcError
from camera_service.rpc.methods import WAITING
from camera_service.rpc.params import Param, bind
from camera_service.rpc.ratelimit import TokenBucket

pytestmark = pytest.mark.unit


def cam(n: int, status: CameraStatus = CameraStatus.CONNECTED) -> Camera:
    return Camera(
        f"camera{n}",
        CameraKind.USB,
        f"Cam {n}",
        status,
        mode=CameraMode("MJPG", 640, 480, 30),
        device_node=f"/dev/video{n}",
        source_url="rtsp://user:pw@10.0.0.1/",
    )


@pytest.fixture
def env() -> tuple[Dispatcher, CameraRegistry]:
    registry = CameraRegistry()
    ctx = RpcContext(cameras=registry, config=Config(auth=AuthConfig(jwt_secret="s" * 32)))
    return Dispatcher(ctx), registry


def session(d: Dispatcher, role: Role | None) -> Session:
    s = Session()
    if role is not None:
        s.principal = d.ctx.authenticator.authenticate(d.ctx.authenticator.mint("u", role, 60))
    return s


async def test_empty_camera_list_is_a_result(env: Any) -> None:
    d, _ = env
    assert await d.call(session(d, Role.VIEWER), "get_camera_list", None) == {
        "cameras": [],
        "total": 0,
        "connected": 0,
    }


async def test_camera_list_has_public_fields_only(env: Any) -> None:
    d, registry = env
    registry.upsert(cam(0))
    registry.upsert(cam(1, CameraStatus.DISCONNECTED))
    result = await d.call(session(d, Role.VIEWER), "get_camera_list", {})
    assert result["total"] == 2 and result["connected"] == 1
    assert set(result["cameras"][0]) == {"device", "status", "name", "resolution", "fps", "streams"}
    text = repr(result)
    assert "/dev/" not in text and "pw@" not in text and "10.0.0.1" not in text


async def test_unknown_camera_is_not_found(env: Any) -> None:
    d, _ = env
    with pytest.raises(CameraNotFound):
        await d.call(session(d, Role.VIEWER), "get_camera_status", {"device": "camera9"})


async def test_camera_status_without_mediamtx_has_unknown_stream_figures(env: Any) -> None:
    d, registry = env
    registry.upsert(cam(0))
    result = await d.call(session(d, Role.VIEWER), "get_camera_status", ["camera0"])
    assert result["metrics"]["bytes_sent"] is None and result["metrics"]["readers"] is None
    assert result["capabilities"] == {"formats": ["MJPG"], "resolutions": ["640x480"]}
    assert result["recording"] is None  # no media service: nothing is recording


async def test_stream_methods_without_stream_service_are_dependency_errors(env: Any) -> None:
    d, registry = env
    registry.upsert(cam(0))
    with pytest.raises(MediaMTXUnavailable):
        await d.call(session(d, Role.VIEWER), "get_streams", None)
    with pytest.raises(MediaMTXUnavailable):
        await d.call(session(d, Role.VIEWER), "get_stream_status", {"device": "camera0"})


async def test_roles_are_checked_before_params(env: Any) -> None:
    d, _ = env
    with pytest.raises(AuthError):
        await d.call(session(d, None), "get_camera_list", None)
    with pytest.raises(PermissionDenied) as denied:
        await d.call(session(d, Role.VIEWER), "delete_recording", {"filename": 7})
    assert (denied.value.required_role, denied.value.have_role) == ("admin", "viewer")


async def test_unknown_method_is_32601_and_counted_under_one_name(env: Any) -> None:
    d, _ = env
    for name in ("a", "b", "c"):
        with pytest.raises(RpcError) as e:
            await d.call(session(d, None), name, None)
        assert e.value.code == -32601
    assert d.ctx.metrics.methods["(unknown)"].count == 3
    assert "a" not in d.ctx.metrics.methods


async def test_rate_limit_comes_first(env: Any) -> None:
    d, _ = env
    s = session(d, None)
    s.bucket = TokenBucket(1.0, 1, d.ctx.clock.monotonic())
    assert await d.call(s, "ping", None) == "pong"
    with pytest.raises(RpcError) as e:
        await d.call(s, "nothing-here", None)
    assert e.value.code == -32040 and e.value.data["retry_after_ms"] > 0


async def test_subscriptions_accumulate_and_filter(env: Any) -> None:
    d, _ = env
    s = session(d, Role.VIEWER)
    await d.call(s, "subscribe_events", {"topics": ["camera.connected"]})
    result = await d.call(
        s, "subscribe_events", {"topics": ["recording.stop"], "filters": {"device": ["camera1", "camera0"]}}
    )
    assert result == {
        "subscribed": True,
        "topics": ["camera.connected", "recording.stop"],
        "filters": {"device": ["camera0", "camera1"]},
    }
    with pytest.raises(Exception) as e:
        await d.call(s, "subscribe_events", {"topics": ["camera.status"], "filters": {"device": 3}})
    assert getattr(e.value, "param", None) == "filters"


def test_methods_that_write_or_delete_files_in_bulk_run_in_a_task_of_their_own() -> None:
    # set_retention_policy saves the policy (fsync) and cleanup_old_files deletes files: a
    # transport must not run them in line, where they would hold up the connection
    assert {"set_retention_policy", "cleanup_old_files"} <= WAITING


async def test_authenticate_result_fields(env: Any) -> None:
    d, _ = env
    s = Session()
    token = d.ctx.authenticator.mint("carol", Role.ADMIN, 60)
    result = await d.call(s, "authenticate", {"auth_token": token})
    assert result["authenticated"] is True and result["role"] == "admin"
    assert result["permissions"] == ["view", "control", "admin"]
    assert result["session_id"] == s.session_id and result["expires_at"].endswith("Z")


@pytest.mark.parametrize(
    "param,value,ok",
    [
        (Param("n", "integer", minimum=1, maximum=10), 10.0, 10),
        (Param("n", "integer", minimum=1, maximum=10), 1.5, None),
        (Param("n", "integer", minimum=1, maximum=10), True, None),
        (Param("n", "integer", minimum=1, maximum=10), 11, None),
        (Param("d", "number", minimum=0, exclusive_minimum=True), 0, None),
        (Param("d", "number", minimum=0, exclusive_minimum=True), 0.5, 0.5),
        (Param("f", "string", enum=("mp4", "mkv")), "avi", None),
        (Param("s", "string", max_length=3), "abcd", None),
        (Param("t", "array", items="string"), ["a", 1], None),
        (Param("o", "object"), [], None),
        (Param("b", "boolean"), 1, None),
    ],
)
def test_param_checks(param: Param, value: object, ok: object) -> None:
    if ok is None:
        with pytest.raises(RpcError) as e:
            param.check(value)
        assert e.value.code == -32602 and e.value.data == {"param": param.name}
    else:
        assert param.check(value) == ok


def test_bind_defaults_required_and_positional() -> None:
    params = (Param("device", "string", required=True), Param("limit", "integer", default=50))
    assert bind(params, {"device": "camera0", "extra": 1}) == {"device": "camera0", "limit": 50}
    assert bind(params, ["camera0", 5]) == {"device": "camera0", "limit": 5}
    with pytest.raises(RpcError) as e:
        bind(params, {})
    assert e.value.data == {"param": "device"}
    with pytest.raises(RpcError) as e:
        bind(params, ["a", 1, 2])
    assert e.value.data == {"param": "params"}

