"""Which notifications carry file links, and the links they get (pure)."""

from __future__ import annotations

import pytest

from camera_service.links import FileLinks, LinkSigner
from camera_service.models import Notification
from camera_service.rpc.note_links import linked_file, with_links

pytestmark = pytest.mark.unit

LINKS = FileLinks(LinkSigner(b"k" * 32, 600), "http://cam.local:8002", 1_800_000_000.0)


def rec(status: str, **extra: object) -> Notification:
    params: dict[str, object] = {"device": "camera0", "status": status, "filename": "camera0_1.mp4", **extra}
    return Notification("recording_status_update", "recording.stop", params, "camera0")


def test_snapshots_and_ended_recordings_carry_links_started_ones_and_cameras_do_not() -> None:
    shot = Notification("snapshot_taken", "snapshot.taken", {"filename": "camera0_1.jpg"}, "camera0")
    assert linked_file(shot) == ("snapshots", "camera0_1.jpg")
    assert linked_file(rec("STOPPED")) == ("recordings", "camera0_1.mp4")
    assert linked_file(rec("FAILED")) == ("recordings", "camera0_1.mp4")
    assert linked_file(rec("STARTED")) is None
    camera = Notification("camera_status_update", "camera.connected", {"device": "camera0"}, "camera0")
    assert linked_file(camera) is None
    assert with_links(camera, LINKS) == camera.params


def test_links_are_signed_for_the_file_with_a_saving_twin_and_per_segment() -> None:
    note = rec("STOPPED", segments=["camera0_1_000.mkv", "camera0_1_001.mkv"])
    params = with_links(note, LINKS)
    assert params["download_url"] == LINKS.url("recordings", "camera0_1.mp4")
    assert params["save_url"] == LINKS.url("recordings", "camera0_1.mp4") + "&download=1"
    assert [s["filename"] for s in params["segment_links"]] == ["camera0_1_000.mkv", "camera0_1_001.mkv"]
    assert params["segment_links"][1]["save_url"].endswith("camera0_1_001.mkv?" + LINKS.signer.query(
        "recordings", "camera0_1_001.mkv", LINKS.now) + "&download=1")
    assert "download_url" not in note.params  # the notification itself is left as it is
