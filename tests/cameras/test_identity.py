"""Stable ids: identity from udev properties, lowest free cameraN, and the id file that
keeps them across restarts (written atomically, corrupt files kept aside)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from camera_service.cameras.identity import (
    IdentityStore,
    allocate,
    csi_identity,
    decode,
    encode,
    network_identity,
    usb_identity,
)


def read(path: Path) -> str:
    with open(path, encoding="utf-8") as f:
        return f.read()


C920 = {"ID_SERIAL": "046d_HD_Pro_Webcam_C920_8B1F2A3F", "ID_SERIAL_SHORT": "8B1F2A3F",
        "ID_PATH": "pci-0000:00:14.0-usb-0:5:1.0", "ID_USB_INTERFACE_NUM": "00"}


@pytest.mark.unit
def test_usb_identity_uses_the_serial_when_the_device_has_one() -> None:
    assert usb_identity(C920, "/dev/video0") == "serial:046d_HD_Pro_Webcam_C920_8B1F2A3F:00"


@pytest.mark.unit
def test_usb_identity_does_not_depend_on_node_or_port() -> None:
    moved = dict(C920, ID_PATH="pci-0000:00:14.0-usb-0:2:1.0")
    assert usb_identity(moved, "/dev/video4") == usb_identity(C920, "/dev/video0")


@pytest.mark.unit
def test_camera_without_serial_number_is_known_by_its_port() -> None:
    props = {"ID_SERIAL": "046d_0825", "ID_PATH": "pci-0000:00:14.0-usb-0:3:1.0"}
    assert usb_identity(props, "/dev/video0") == "path:pci-0000:00:14.0-usb-0:3:1.0"


@pytest.mark.unit
def test_identity_falls_back_to_serial_then_node() -> None:
    assert usb_identity({"ID_SERIAL": "X"}, "/dev/video0") == "serial:X"
    assert usb_identity({}, "/dev/video3") == "node:/dev/video3"
    with pytest.raises(ValueError):
        usb_identity({}, None)


@pytest.mark.unit
def test_network_identity_prefers_the_configured_id() -> None:
    assert network_identity("rtsp://cam/x", "front-door") == "net-id:front-door"
    assert network_identity("rtsp://cam/x") == "net-url:rtsp://cam/x"


@pytest.mark.unit
def test_allocate_gives_the_lowest_free_number_and_keeps_existing_ones() -> None:
    assigned = {"a": "camera0", "b": "camera2"}
    assert allocate("a", assigned) == "camera0"
    assert allocate("c", assigned) == "camera1"
    assert allocate("d", {**assigned, "c": "camera1"}) == "camera3"
    assert allocate("x", {}) == "camera0"


@pytest.mark.unit
def test_encode_decode_round_trip() -> None:
    assigned = {"serial:A": "camera0", "net-url:rtsp://h/x": "camera1", "test-pattern": "camera2"}
    assert decode(encode(assigned)) == assigned


@pytest.mark.unit
@pytest.mark.parametrize("text", [
    "not json",
    "[]",
    '{"version": 2, "cameras": []}',
    '{"version": 1, "cameras": {}}',
    '{"version": 1, "cameras": [{"id": "cam0", "identity": "a"}]}',
    '{"version": 1, "cameras": [{"id": "camera0", "identity": ""}]}',
    '{"version": 1, "cameras": [{"id": "camera0", "identity": "a"}, {"id": "camera0", "identity": "b"}]}',
])
def test_decode_rejects_malformed_files(text: str) -> None:
    with pytest.raises(ValueError):
        decode(text)


@pytest.mark.integration
async def test_store_persists_ids_across_instances(tmp_path: Path) -> None:
    path = tmp_path / "state" / "cameras.json"
    store = IdentityStore(path)
    await store.load()
    assert await store.assign("serial:A") == "camera0"
    assert await store.assign("serial:B") == "camera1"
    assert await store.assign("serial:A") == "camera0"
    again = IdentityStore(path)
    await again.load()
    assert again.assignments() == {"serial:A": "camera0", "serial:B": "camera1"}
    assert await again.assign("serial:C") == "camera2"
    assert os.listdir(path.parent) == ["cameras.json"]  # no temporary left


@pytest.mark.integration
async def test_corrupt_file_is_kept_aside_and_the_store_starts_afresh(tmp_path: Path) -> None:
    path = tmp_path / "cameras.json"
    path.write_text("{ half written")
    store = IdentityStore(path)
    await store.load()
    assert store.assignments() == {}
    aside = [p for p in os.listdir(tmp_path) if p.startswith("cameras.json.corrupt-")]
    assert len(aside) == 1 and read(tmp_path / aside[0]) == "{ half written"
    assert await store.assign("serial:A") == "camera0"
    assert json.loads(read(path))["cameras"] == [{"id": "camera0", "identity": "serial:A"}]


@pytest.mark.integration
async def test_unwritable_state_dir_keeps_ids_in_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    store = IdentityStore(blocker / "cameras.json")
    await store.load()
    assert await store.assign("serial:A") == "camera0"
    assert await store.assign("serial:A") == "camera0"
    assert await store.assign("serial:B") == "camera1"


@pytest.mark.unit
def test_csi_identity_is_the_sensor_and_its_connector() -> None:
    assert csi_identity("imx708", "10-001a") == "csi:imx708@10-001a"
    assert csi_identity("imx708", "10-001a") != csi_identity("imx708", "6-001a")
