"""The real camera monitor under umockdev: uevents from the testbed, real pyudev and real
V4L2 ioctls answered with a Logitech C920's capabilities (tests/data/logitech_c920.json).

Each test starts ``support/monitor_driver.py`` under ``umockdev-wrapper`` (testbed and
monitor in that process) and plugs, unplugs and inspects through ``MonitorProcess``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from support.monitor_process import MonitorProcess

pytestmark = pytest.mark.integration

MJPG_1080P30 = {"pixel_format": "MJPG", "width": 1920, "height": 1080, "fps": 30.0}


@pytest.fixture
def start(start_monitor: Callable[..., MonitorProcess]) -> Callable[..., MonitorProcess]:
    """``start(cameras_config={}, initial=[...]) -> MonitorProcess`` (stopped at the end)."""

    def _start(cameras: dict[str, Any] | None = None,
               initial: list[dict[str, Any]] | None = None) -> MonitorProcess:
        return start_monitor(cameras or {}, initial=initial)

    return _start


def status_of(camera_id: str, status: str) -> Any:
    return lambda cams: camera_id in cams and cams[camera_id]["status"] == status


def test_plugged_camera_is_connected_with_its_best_mode(start: Any) -> None:
    mon = start()
    assert mon.cameras == {}
    mon.plug("video0")
    mon.plug("video1", role="metadata")
    cams = mon.wait_for(status_of("camera0", "CONNECTED"))
    cam = cams["camera0"]
    assert cam["kind"] == "usb" and cam["device_node"] == "/dev/video0"
    assert cam["name"] == "HD Pro Webcam C920"
    assert cam["mode"] == MJPG_1080P30
    assert cam["formats"] == ["YUYV", "H264", "MJPG"]
    assert "2304x1536" in cam["resolutions"] and cam["fps_options"][0] == 30.0
    assert cam["identity"] == "serial:046d_HD_Pro_Webcam_C920_8B1F2A3F:00"
    snap = mon.snapshot()
    assert [c["id"] for c in snap["cameras"]] == ["camera0"]  # the metadata node is no camera
    assert snap["health"]["healthy"] and snap["health"]["state"] == "running"


def test_unplugged_camera_stays_known_as_disconnected(start: Any) -> None:
    mon = start(initial=[{"name": "video0"}, {"name": "video1", "role": "metadata"}])
    assert mon.cameras["camera0"]["status"] == "CONNECTED"
    mon.unplug("video0")
    mon.unplug("video1")
    cam = mon.wait_for(status_of("camera0", "DISCONNECTED"))["camera0"]
    assert cam["device_node"] is None and cam["reason"] == "unplugged"
    assert cam["name"] == "HD Pro Webcam C920"


def test_replug_on_another_node_number_keeps_the_id(start: Any) -> None:
    mon = start(initial=[{"name": "video0"}, {"name": "video1", "role": "metadata"}])
    mon.unplug("video0")
    mon.unplug("video1")
    mon.wait_for(status_of("camera0", "DISCONNECTED"))
    mon.plug("video2", id_path="pci-0000:00:14.0-usb-0:2:1.0")  # another port, too
    mon.plug("video3", role="metadata")
    cam = mon.wait_for(status_of("camera0", "CONNECTED"))["camera0"]
    assert cam["device_node"] == "/dev/video2"
    assert set(mon.snapshot()["cameras"][0]) and len(mon.cameras) == 1


def test_metadata_only_node_is_ignored(start: Any) -> None:
    mon = start()
    mon.plug("video1", role="metadata")
    # even when udev does not say what the node is, the ioctl (device_caps) does
    mon.plug("video3", role="metadata", serial="ABCD", extra={"ID_V4L_CAPABILITIES": ":capture:"})
    assert mon.snapshot()["cameras"] == []
    assert not mon.events


def test_two_cameras_plugged_at_once_get_two_ids(start: Any) -> None:
    mon = start()
    mon.send(
        {"op": "plug", "name": "video0", "serial": "AAAA0001"},
        {"op": "plug", "name": "video1", "serial": "AAAA0001", "role": "metadata"},
        {"op": "plug", "name": "video2", "serial": "BBBB0002"},
        {"op": "plug", "name": "video3", "serial": "BBBB0002", "role": "metadata"},
    )
    cams = mon.wait_for(lambda c: len(c) == 2 and all(x["status"] == "CONNECTED" for x in c.values()))
    nodes = {c["device_node"] for c in cams.values()}
    assert set(cams) == {"camera0", "camera1"} and nodes == {"/dev/video0", "/dev/video2"}


def test_identical_cameras_without_serial_are_told_apart_by_port(start: Any) -> None:
    mon = start()
    mon.plug("video0", serial=None, id_path="pci-0000:00:14.0-usb-0:1:1.0")
    mon.plug("video2", serial=None, id_path="pci-0000:00:14.0-usb-0:2:1.0")
    cams = mon.wait_for(lambda c: len(c) == 2)
    assert {c["identity"] for c in cams.values()} == {
        "path:pci-0000:00:14.0-usb-0:1:1.0:00", "path:pci-0000:00:14.0-usb-0:2:1.0:00"}


def test_node_whose_ioctls_fail_is_an_error_with_the_reason(start: Any) -> None:
    mon = start()
    mon.plug("video0", fail=5)  # EIO on every ioctl
    cam = mon.wait_for(status_of("camera0", "ERROR"))["camera0"]
    assert cam["reason"] == "/dev/video0: VIDIOC_QUERYCAP failed: Input/output error (errno 5)"
    assert cam["device_node"] == "/dev/video0" and cam["mode"] is None
    mon.plug("video2", serial="GOOD0001")  # the monitor goes on working
    mon.wait_for(status_of("camera1", "CONNECTED"))
    mon.unplug("video0")
    mon.wait_for(status_of("camera0", "DISCONNECTED"))


def test_fifty_rapid_plug_unplug_cycles_end_in_the_right_state(start: Any) -> None:
    mon = start()
    plug = [{"op": "plug", "name": "video0"}, {"op": "plug", "name": "video1", "role": "metadata"}]
    unplug = [{"op": "unplug", "name": "video1"}, {"op": "unplug", "name": "video0"}]
    mon.send(*(plug + unplug) * 50, *plug)
    snap = mon.snapshot()
    assert len(mon.done) == 202
    [cam] = snap["cameras"]
    assert (cam["id"], cam["status"], cam["device_node"]) == ("camera0", "CONNECTED", "/dev/video0")
    assert cam["mode"] == MJPG_1080P30

    mon.send(*unplug, *(plug + unplug) * 50)
    [cam] = mon.snapshot()["cameras"]
    assert (cam["id"], cam["status"], cam["device_node"]) == ("camera0", "DISCONNECTED", None)
    assert {e["camera"]["id"] for e in mon.events} == {"camera0"}  # one id throughout


def test_restart_keeps_ids_even_when_nodes_are_renumbered(start: Any, tmp_path: Path) -> None:
    first = start(initial=[{"name": "video0", "serial": "AAAA0001"},
                           {"name": "video2", "serial": "BBBB0002"}])
    ids = {c["identity"]: c["id"] for c in first.cameras.values()}
    assert sorted(ids.values()) == ["camera0", "camera1"]
    first.stop()
    saved = json.loads((tmp_path / "cameras.json").read_text())
    assert {e["identity"]: e["id"] for e in saved["cameras"]} == ids

    second = start(initial=[{"name": "video0", "serial": "BBBB0002"},
                            {"name": "video2", "serial": "AAAA0001"},
                            {"name": "video4", "serial": "CCCC0003"}])
    again = {c["identity"]: c["id"] for c in second.cameras.values()}
    assert {k: again[k] for k in ids} == ids
    assert again["serial:046d_HD_Pro_Webcam_C920_CCCC0003:00"] == "camera2"


def test_include_and_exclude_patterns_match_node_and_serial(start: Any) -> None:
    mon = start({"include": ["/dev/video*"], "exclude": ["*DDDD*", "/dev/video9"]})
    mon.plug("video0", serial="DDDD0004")
    mon.plug("video9", serial="EEEE0005")
    mon.plug("video2", serial="FFFF0006")
    snap = mon.snapshot()
    assert [c["device_node"] for c in snap["cameras"]] == ["/dev/video2"]


def test_names_from_config_by_id_and_by_serial(start: Any) -> None:
    mon = start({"names": {"camera1": "Back door",
                           "046d_HD_Pro_Webcam_C920_AAAA0001": "Front door"}})
    mon.plug("video0", serial="AAAA0001")
    mon.wait_for(status_of("camera0", "CONNECTED"))
    mon.plug("video2", serial="BBBB0002")
    cams = mon.wait_for(status_of("camera1", "CONNECTED"))
    assert cams["camera0"]["name"] == "Front door" and cams["camera1"]["name"] == "Back door"


def test_smaller_maximum_size_in_config_changes_the_chosen_mode(start: Any) -> None:
    mon = start({"max_width": 1280, "max_height": 720}, initial=[{"name": "video0"}])
    assert mon.cameras["camera0"]["mode"] == {
        "pixel_format": "MJPG", "width": 1280, "height": 720, "fps": 30.0}


def test_test_pattern_camera_when_enabled(start: Any) -> None:
    mon = start({"test_pattern": {"enabled": True, "width": 640, "height": 480, "fps": 10}},
                initial=[{"name": "video0"}])
    kinds = {c["kind"]: c for c in mon.cameras.values()}
    tp = kinds["test_pattern"]
    assert tp["status"] == "CONNECTED" and tp["identity"] == "test-pattern"
    assert tp["mode"] == {"pixel_format": "testsrc2", "width": 640, "height": 480, "fps": 10.0}
    assert "usb" in kinds


def test_auto_test_pattern_only_without_a_capture_device(start: Any, tmp_path: Path) -> None:
    with_camera = start({"test_pattern": {"enabled": "auto"}}, initial=[{"name": "video0"}])
    assert [c["kind"] for c in with_camera.cameras.values()] == ["usb"]
    with_camera.stop()
    without = start({"test_pattern": {"enabled": "auto"}},
                    initial=[{"name": "video1", "role": "metadata"}])
    [pattern] = without.cameras.values()  # the metadata node is no capture device
    assert pattern["kind"] == "test_pattern" and pattern["status"] == "CONNECTED"


def test_camera_swapped_on_the_same_node_within_the_debounce_window(start: Any) -> None:
    mon = start({"debounce": 0.2}, initial=[{"name": "video0", "serial": "AAAA0001"}])
    mon.send({"op": "unplug", "name": "video0"},
             {"op": "plug", "name": "video0", "serial": "BBBB0002"})
    cams = {c["id"]: c for c in mon.snapshot()["cameras"]}
    assert cams["camera0"]["status"] == "DISCONNECTED" and cams["camera0"]["device_node"] is None
    assert cams["camera1"]["status"] == "CONNECTED" and cams["camera1"]["device_node"] == "/dev/video0"


def test_fast_replug_on_another_node_keeps_the_id(start: Any) -> None:
    mon = start({"debounce": 0.2}, initial=[{"name": "video0"}])
    mon.send({"op": "unplug", "name": "video0"},
             {"op": "plug", "name": "video2", "id_path": "pci-0000:00:14.0-usb-0:2:1.0"})
    [cam] = mon.snapshot()["cameras"]
    assert (cam["id"], cam["status"], cam["device_node"]) == ("camera0", "CONNECTED", "/dev/video2")


def test_two_cameras_sharing_a_made_up_serial_get_two_ids(start: Any) -> None:
    mon = start()
    mon.plug("video0", serial="0001", id_path="pci-0000:00:14.0-usb-0:1:1.0")
    mon.wait_for(status_of("camera0", "CONNECTED"))
    mon.plug("video2", serial="0001", id_path="pci-0000:00:14.0-usb-0:2:1.0")
    cams = mon.wait_for(status_of("camera1", "CONNECTED"))
    assert cams["camera0"]["device_node"] == "/dev/video0"
    assert cams["camera1"]["device_node"] == "/dev/video2"
    assert cams["camera1"]["identity"].endswith("@pci-0000:00:14.0-usb-0:2:1.0")


def test_csi_style_camera_with_stepwise_sizes_gets_a_mode_and_a_port_identity(start: Any) -> None:
    mon = start(initial=[{"name": "video0", "table": "stepwise_camera.json"}])
    cam = mon.cameras["camera0"]
    assert cam["status"] == "CONNECTED" and cam["identity"] == "path:platform-bcm2835-v4l2-0"
    assert cam["mode"] == {"pixel_format": "MJPG", "width": 1920, "height": 1080, "fps": 90.0}


def test_resync_catches_up_with_nodes_whose_uevents_were_lost(start: Any) -> None:
    # the unplug's uevent is lost for real; umockdev's add_device announces a new node
    # itself, so the plug's is not: resync must then not handle that node a second time
    mon = start(initial=[{"name": "video0", "serial": "AAAA0001"}])
    mon.send({"op": "unplug", "name": "video0", "uevent": False},
             {"op": "plug", "name": "video2", "serial": "BBBB0002", "uevent": False},
             {"op": "resync"})
    mon.next_message("done")
    mon.next_message("done")
    mon.next_message("done")
    cams = {c["id"]: c for c in mon.snapshot()["cameras"]}
    assert cams["camera0"]["status"] == "DISCONNECTED"
    assert cams["camera1"]["status"] == "CONNECTED" and cams["camera1"]["device_node"] == "/dev/video2"


def test_small_uvc_webcam_gets_mjpeg_720p(start: Any) -> None:
    mon = start(initial=[{"name": "video0", "table": "uvc_720p_webcam.json"}])
    cam = mon.cameras["camera0"]
    assert cam["name"] == "USB 720p Webcam" and cam["status"] == "CONNECTED"
    assert cam["mode"] == {"pixel_format": "MJPG", "width": 1280, "height": 720, "fps": 30.0}
    assert cam["formats"] == ["MJPG", "YUYV"]


def test_replugged_camera_is_known_again_without_a_full_probe(start: Any) -> None:
    mon = start(initial=[{"name": "video0"}])
    first = mon.snapshot()
    [cam] = first["cameras"]
    full_probe = first["ioctls"]["video0"]
    assert full_probe > 400  # every format, size and rate of a C920
    mon.send({"op": "unplug", "name": "video0"}, {"op": "plug", "name": "video2"})
    again = mon.snapshot()
    [back] = again["cameras"]
    assert (back["id"], back["status"], back["device_node"]) == ("camera0", "CONNECTED", "/dev/video2")
    assert again["ioctls"]["video2"] <= 10  # QUERYCAP and the format list only
    for key in ("mode", "formats", "resolutions", "fps_options"):
        assert back[key] == cam[key]


def test_another_camera_model_on_the_same_port_is_probed_in_full(start: Any) -> None:
    # no serial numbers: both are "the camera on port 1", the same identity
    port = {"ID_PATH": "pci-0000:00:14.0-usb-0:1:1.0", "ID_USB_INTERFACE_NUM": "00"}
    mon = start(initial=[{"name": "video0", "table": "uvc_720p_webcam.json", "extra": port}])
    first = mon.snapshot()
    [cam] = first["cameras"]
    assert cam["mode"]["width"] == 1280
    mon.send({"op": "unplug", "name": "video0"},
             {"op": "plug", "name": "video0", "table": "stepwise_camera.json", "extra": port})
    after = mon.snapshot()
    [other] = after["cameras"]
    assert (other["id"], other["identity"]) == (cam["id"], cam["identity"])
    assert other["mode"] == {"pixel_format": "MJPG", "width": 1920, "height": 1080, "fps": 90.0}
    assert after["ioctls"]["video0"] - first["ioctls"]["video0"] > 10


def test_wedged_drivers_neither_stop_other_probes_nor_the_process(start: Any) -> None:
    mon = start({"probe_timeout": 1.0})
    for i in range(5):  # more than a pool of four threads could ever get past
        mon.plug(f"video{2 * i}", hang=True, serial=f"WEDGED{i:02d}",
                 id_path=f"pci-0000:00:14.0-usb-0:{i + 1}:1.0")
    mon.wait_for(lambda cams: sum(c["status"] == "ERROR" for c in cams.values()) == 5)
    wedged = [c for c in mon.snapshot()["cameras"] if c["status"] == "ERROR"]
    assert all("no answer from the driver within 1 s" in c["reason"] for c in wedged)
    mon.plug("video20", serial="GOOD0001", id_path="pci-0000:00:14.0-usb-0:9:1.0")
    cams = mon.wait_for(lambda cams: any(c["status"] == "CONNECTED" for c in cams.values()))
    [good] = [c for c in cams.values() if c["status"] == "CONNECTED"]
    assert good["device_node"] == "/dev/video20" and good["mode"]["width"] == 1920
