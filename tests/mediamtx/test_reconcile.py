"""The reconciler as a pure function: desired paths and MediaMTX's paths → actions."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pytest

from camera_service.config.model import MediaMTXConfig
from camera_service.mediamtx.paths import desired_paths, is_camera_path
from camera_service.mediamtx.reconcile import Action, ActionKind, drift, reconcile
from camera_service.models import Camera, CameraKind, CameraMode, CameraStatus, CsiSettings

pytestmark = pytest.mark.unit

CFG = MediaMTXConfig()
MODE = CameraMode("testsrc2", 640, 480, 15)


def _camera(cid: str, kind: CameraKind = CameraKind.TEST_PATTERN, **kw: Any) -> Camera:
    kw.setdefault("status", CameraStatus.CONNECTED)
    kw.setdefault("mode", MODE)
    return Camera(id=cid, kind=kind, name=cid, **kw)


def _desired(*cameras: Camera) -> dict[str, dict[str, Any]]:
    return desired_paths(cameras, CFG)[0]


def _as_mediamtx_reports(conf: Mapping[str, Any], name: str) -> dict[str, Any]:
    """What MediaMTX answers for a path it was given ``conf`` for: every setting with its
    default filled in, durations in Go's spelling."""
    full: dict[str, Any] = {
        "name": name, "source": "publisher", "sourceOnDemand": False,
        "sourceOnDemandStartTimeout": "10s", "sourceOnDemandCloseAfter": "10s",
        "runOnDemand": "", "runOnDemandRestart": False,
        "runOnDemandStartTimeout": "10s", "runOnDemandCloseAfter": "10s",
        "record": False, "maxReaders": 0, "rtspTransport": "automatic",
    }
    full.update(conf)
    for key in ("runOnDemandCloseAfter", "sourceOnDemandCloseAfter"):
        if full[key] == "60s":
            full[key] = "1m0s"
    return full


def _apply(actual: dict[str, dict[str, Any]], actions: list[Action]) -> dict[str, dict[str, Any]]:
    out = dict(actual)
    for a in actions:
        if a.kind is ActionKind.DELETE:
            del out[a.name]
        else:
            assert a.conf is not None
            out[a.name] = _as_mediamtx_reports(a.conf, a.name)
    return out


def test_new_cameras_are_added() -> None:
    desired = _desired(_camera("camera0"), _camera("camera1"))
    actions = reconcile(desired, {}, is_camera_path)
    assert [(a.kind, a.name) for a in actions] == [
        (ActionKind.ADD, "camera0"), (ActionKind.ADD, "camera1")]
    assert actions[0].conf == desired["camera0"]


def test_removed_camera_path_is_deleted() -> None:
    actual = _apply({}, reconcile(_desired(_camera("camera0"), _camera("camera1")), {},
                                  is_camera_path))
    actions = reconcile(_desired(_camera("camera1")), actual, is_camera_path)
    assert [(a.kind, a.name) for a in actions] == [(ActionKind.DELETE, "camera0")]


def test_disconnected_usb_camera_loses_its_path_but_network_camera_keeps_it() -> None:
    usb = _camera("camera0", CameraKind.USB, device_node="/dev/video0",
                  mode=CameraMode("MJPG", 640, 480, 30))
    net = _camera("camera1", CameraKind.NETWORK, source_url="rtsp://10.0.0.5/stream")
    actual = _apply({}, reconcile(_desired(usb, net), {}, is_camera_path))
    usb_gone = _camera("camera0", CameraKind.USB, device_node="/dev/video0",
                       status=CameraStatus.DISCONNECTED)
    net_down = _camera("camera1", CameraKind.NETWORK, source_url="rtsp://10.0.0.5/stream",
                       status=CameraStatus.ERROR)
    actions = reconcile(_desired(usb_gone, net_down), actual, is_camera_path)
    assert [(a.kind, a.name) for a in actions] == [(ActionKind.DELETE, "camera0")]


def test_foreign_paths_are_left_alone() -> None:
    actual = {
        "doorbell": _as_mediamtx_reports({"source": "rtsp://10.0.0.9/live"}, "doorbell"),
        "~^live/.*$": _as_mediamtx_reports({}, "~^live/.*$"),
        "all_others": _as_mediamtx_reports({}, "all_others"),
        "camera_backup": _as_mediamtx_reports({}, "camera_backup"),
    }
    assert reconcile({}, actual, is_camera_path) == []
    actions = reconcile(_desired(_camera("camera0")), actual, is_camera_path)
    assert [(a.kind, a.name) for a in actions] == [(ActionKind.ADD, "camera0")]


def test_mediamtx_restarted_empty_gets_every_path_back() -> None:
    desired = _desired(_camera("camera0"), _camera("camera3"),
                       _camera("camera7", CameraKind.NETWORK, source_url="rtsp://h/s"))
    before = _apply({}, reconcile(desired, {}, is_camera_path))
    assert reconcile(desired, before, is_camera_path) == []
    restarted: dict[str, dict[str, Any]] = {}
    actions = reconcile(desired, restarted, is_camera_path)
    assert {(a.kind, a.name) for a in actions} == {
        (ActionKind.ADD, "camera0"), (ActionKind.ADD, "camera3"), (ActionKind.ADD, "camera7")}
    assert _apply(restarted, actions) == before


def test_drifted_path_is_replaced_with_the_keys_named() -> None:
    desired = _desired(_camera("camera0"))
    actual = _apply({}, reconcile(desired, {}, is_camera_path))
    actual["camera0"] = {**actual["camera0"], "runOnDemand": "ffmpeg -i evil",
                         "runOnDemandRestart": False}
    actions = reconcile(desired, actual, is_camera_path)
    assert len(actions) == 1
    assert actions[0].kind is ActionKind.REPLACE
    assert actions[0].conf == desired["camera0"]
    assert "runOnDemand" in actions[0].reason and "runOnDemandRestart" in actions[0].reason


def test_camera_mode_change_replaces_its_path() -> None:
    actual = _apply({}, reconcile(_desired(_camera("camera0")), {}, is_camera_path))
    faster = _camera("camera0", mode=CameraMode("testsrc2", 640, 480, 30))
    actions = reconcile(_desired(faster), actual, is_camera_path)
    assert [(a.kind, a.name) for a in actions] == [(ActionKind.REPLACE, "camera0")]


def test_settings_we_do_not_manage_are_not_drift() -> None:
    desired = _desired(_camera("camera0"))
    actual = _apply({}, reconcile(desired, {}, is_camera_path))
    actual["camera0"] = {**actual["camera0"], "record": True, "maxReaders": 5}
    assert reconcile(desired, actual, is_camera_path) == []


def test_durations_compare_by_value() -> None:
    assert drift({"runOnDemandCloseAfter": "60s"}, {"runOnDemandCloseAfter": "1m0s"}) == []
    assert drift({"runOnDemandCloseAfter": "500ms"}, {"runOnDemandCloseAfter": "0.5s"}) == []
    assert drift({"runOnDemandCloseAfter": "10s"}, {"runOnDemandCloseAfter": "11s"}) == [
        "runOnDemandCloseAfter"]


def test_booleans_and_numbers_are_not_confused() -> None:
    assert drift({"sourceOnDemand": True}, {"sourceOnDemand": 1}) == ["sourceOnDemand"]
    assert drift({"maxReaders": 0}, {"maxReaders": False}) == ["maxReaders"]
    assert drift({"sourceOnDemand": True}, {}) == ["sourceOnDemand"]


def test_reconcile_is_idempotent() -> None:
    desired = _desired(_camera("camera0"), _camera("camera2"),
                       _camera("camera4", CameraKind.NETWORK, source_url="rtsp://h/s"))
    actual = {"camera1": _as_mediamtx_reports({}, "camera1"),
              "camera2": _as_mediamtx_reports({"runOnDemand": "old"}, "camera2"),
              "other": _as_mediamtx_reports({}, "other")}
    once = _apply(actual, reconcile(desired, actual, is_camera_path))
    assert reconcile(desired, once, is_camera_path) == []
    assert "other" in once and "camera1" not in once


def test_deletes_come_first_then_changes_in_name_order() -> None:
    actual = {"camera9": _as_mediamtx_reports({}, "camera9"),
              "camera2": _as_mediamtx_reports({"runOnDemand": "old"}, "camera2")}
    desired = _desired(_camera("camera2"), _camera("camera1"))
    actions = reconcile(desired, actual, is_camera_path)
    assert [(a.kind, a.name) for a in actions] == [
        (ActionKind.DELETE, "camera9"), (ActionKind.ADD, "camera1"),
        (ActionKind.REPLACE, "camera2")]


def test_ownership_can_include_names_outside_the_camera_prefix() -> None:
    actual = {"frontdoor": _as_mediamtx_reports({"source": "rtsp://h/s"}, "frontdoor")}
    assert reconcile({}, actual, is_camera_path) == []
    actions = reconcile({}, actual, lambda n: is_camera_path(n) or n == "frontdoor")
    assert [(a.kind, a.name) for a in actions] == [(ActionKind.DELETE, "frontdoor")]


def test_csi_path_is_kept_like_the_others() -> None:
    cam = _camera("camera3", CameraKind.CSI, mode=CameraMode("H264", 1920, 1080, 30),
                  device_node="/dev/v4l-subdev0", csi=CsiSettings(0, "imx708"))
    desired = _desired(cam)
    actual = _apply({}, reconcile(desired, {}, is_camera_path))
    # MediaMTX reports FPS as a plain number and every other rpiCamera setting too
    actual["camera3"] = {**actual["camera3"], "rpiCameraFPS": 30, "rpiCameraBrightness": 0}
    assert reconcile(desired, actual, is_camera_path) == []
    moved = _desired(dataclasses.replace(cam, csi=CsiSettings(1, "imx708")))
    assert [(a.kind, a.name) for a in reconcile(moved, actual, is_camera_path)] == [
        (ActionKind.REPLACE, "camera3")]
