"""The stream methods' result shapes against compat.json's schemas (pure: the presenters of
``rpc.handlers_streams`` on domain values, no MediaMTX)."""

from __future__ import annotations

import pytest

from camera_service.cameras.registry import CameraRegistry
from camera_service.config.model import AuthConfig, Config
from camera_service.models import Clock
from camera_service.models_streams import KeptStream, StreamReport, StreamState
from camera_service.rpc import RpcContext
from camera_service.rpc.handlers_streams import stream_info, stream_status
from support.compat_results import validate_result

pytestmark = pytest.mark.unit

NOW = 1_800_000_000.0


class FixedClock(Clock):
    def time(self) -> float:
        return NOW

    def monotonic(self) -> float:
        return 500.0


def ctx() -> RpcContext:
    return RpcContext(cameras=CameraRegistry(), clock=FixedClock(),
                      config=Config(auth=AuthConfig(jwt_secret="s" * 32)))


KEPT = KeptStream("camera0", NOW - 90, 3600.0, 500.0 + 3510)
READY = StreamState("camera0", True, 2, 12345, 67890, "rtspSession",
                    "2026-12-01T21:19:00.123456789Z")


def test_kept_active_stream_status_is_valid_and_names_its_auto_close() -> None:
    report = StreamReport("camera0", "ACTIVE", True, READY, KEPT)
    out = stream_status(report, ctx())
    validate_result("get_stream_status", out)
    assert (out["device"], out["stream_name"], out["status"], out["ready"]) == (
        "camera0", "camera0", "ACTIVE", True)
    assert out["mediamtx_path"] == {"exists": True, "ready": True, "readers": 2}
    assert out["metrics"]["bytes_sent"] == 12345
    assert out["kept_alive"] is True
    assert out["start_time"] == "2027-01-15T07:58:30.000Z"  # when start_streaming came
    assert out["auto_close_after"] == "1h0m0s"
    assert out["auto_close_at"] == "2027-01-15T08:58:30.000Z"
    # API.md's StreamInfo fields stay beside compat.json's
    assert {k: out[k] for k in ("name", "readers", "bytes_sent", "source")} == {
        "name": "camera0", "readers": 2, "bytes_sent": 12345, "source": "rtspSession"}


def test_on_demand_stream_status_starts_when_mediamtx_got_the_stream() -> None:
    out = stream_status(StreamReport("camera0", "ACTIVE", True, READY), ctx())
    validate_result("get_stream_status", out)
    assert out["kept_alive"] is False and "auto_close_after" not in out
    assert out["start_time"] == "2026-12-01T21:19:00.123Z"


def test_stream_without_a_path_is_inactive_and_valid() -> None:
    idle = StreamState("camera3", False, 0, 0)
    out = stream_status(StreamReport("camera3", "INACTIVE", False, idle), ctx())
    validate_result("get_stream_status", out)
    assert out["mediamtx_path"] == {"exists": False, "ready": False, "readers": 0}
    assert "start_time" not in out and "source" not in out


def test_stream_info_items_are_valid_with_and_without_source() -> None:
    items = [stream_info(READY), stream_info(StreamState("camera1", False, 0, 0))]
    validate_result("get_streams", items)
    assert items[1] == {"name": "camera1", "ready": False, "readers": 0, "bytes_sent": 0}
