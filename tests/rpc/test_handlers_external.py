"""The external-stream and discovery results as pure presenters: every shape validates
against compat.json's schema, URLs carry no credentials, and an added stream's status
follows its camera (DISCOVERED while connected, ERROR otherwise)."""

from __future__ import annotations

import pytest

from camera_service.models import Camera, CameraKind, CameraMode, CameraStatus
from camera_service.models_streams import DiscoveredStream, ExternalStream
from camera_service.rpc.handlers_external import (
    discovered_object,
    external_stream_object,
    grouped,
)
from camera_service.rpc.schemas import SCHEMAS
from support.compat_results import validate_result

pytestmark = pytest.mark.unit

T = 1_764_600_000.25
STREAM = ExternalStream(url="rtsp://u:pw@cam/x", safe_url="rtsp://cam/x", name="Gate",
                        type="generic_rtsp", added_at=T, camera_id="camera3", last_seen=T + 5)


def camera(status: CameraStatus, reason: str = "") -> Camera:
    return Camera(id="camera3", kind=CameraKind.NETWORK, name="Gate", status=status, reason=reason,
                  mode=CameraMode("H264", 640, 480, 15.0), source_url=STREAM.url)


def streams_result(items: list[dict[str, object]]) -> dict[str, object]:
    skydio, generic = grouped(items)
    return {"external_streams": items, "skydio_streams": skydio, "generic_streams": generic,
            "total_count": len(items), "timestamp": "2025-12-01T12:00:00.000Z"}


def test_a_connected_stream_is_discovered_with_its_mode_and_no_credentials() -> None:
    out = external_stream_object(STREAM, camera(CameraStatus.CONNECTED))
    validate_result("get_external_streams", streams_result([out]))
    assert out["status"] == "DISCOVERED" and out["camera_status"] == "CONNECTED"
    assert out["url"] == "rtsp://cam/x" and "pw" not in str(out)
    assert out["capabilities"] == {"codec": "H264", "resolution": "640x480", "fps": 15.0}
    assert out["discovered_at"] == "2025-12-01T14:40:00.250Z"
    assert out["last_seen"] == "2025-12-01T14:40:05.250Z"


def test_a_stream_whose_camera_is_down_is_an_error_with_the_reason() -> None:
    out = external_stream_object(STREAM, camera(CameraStatus.DISCONNECTED, "connection refused"))
    validate_result("get_external_streams", streams_result([out]))
    assert (out["status"], out["camera_status"], out["reason"]) == (
        "ERROR", "DISCONNECTED", "connection refused")
    gone = external_stream_object(STREAM, None)
    assert gone["status"] == "ERROR" and gone["capabilities"] == {}


def test_streams_are_grouped_by_type() -> None:
    sky = ExternalStream(url="rtsp://d/s", safe_url="rtsp://d/s", name="Drone", type="skydio_eo",
                         added_at=T, camera_id="camera4")
    items = [external_stream_object(s, None) for s in (STREAM, sky)]
    skydio, generic = grouped(items)
    assert [i["name"] for i in skydio] == ["Drone"] and [i["name"] for i in generic] == ["Gate"]


@pytest.mark.parametrize("online", [True, False])
def test_a_discovered_stream_fits_the_discovery_result(online: bool) -> None:
    found = DiscoveredStream(url="rtsp://127.0.0.1:8554/cam0", type="generic_rtsp", name="RTSP",
                             discovered_at=T, last_seen=T, online=online, needs_auth=True,
                             server="GStreamer", codecs=("H264",))
    out = discovered_object(found)
    validate_result("discover_external_streams", {
        "discovered_streams": [out], "skydio_streams": [], "generic_streams": [out],
        "scan_timestamp": "2025-12-01T12:00:00.000Z", "total_found": 1,
        "discovery_options": {}, "scan_duration": "0.10s", "errors": []})
    assert out["status"] == ("DISCOVERED" if online else "ERROR")
    assert out["capabilities"] == {"requires_auth": True, "codecs": ["H264"], "server": "GStreamer"}


def test_the_compat_schemas_refuse_a_wrong_status() -> None:
    import jsonschema

    assert "ExternalStream" in SCHEMAS
    with pytest.raises(jsonschema.ValidationError):
        validate_result("get_external_streams", {"external_streams": [{"status": "CONNECTED"}]})
