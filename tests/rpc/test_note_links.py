"""Which notifications carry file links, and the links they get (pure)."""

from __future__ import annotations

import pytest

from camera_service.links import FileLinks, LinkSigner
from camera_service.models import Notification
from camera_service.models_recordings import Recording, RecordingStatus
from camera_service.rpc.note_links import linked_file, with_links
from camera_service.rpc.present import recording_stopped

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


def test_stop_recording_result_links_the_first_file_and_every_segment() -> None:
    names = ("camera0_1_000.mkv", "camera0_1_001.mkv")
    rec = Recording("camera0", names[0], "mkv", 1.0, RecordingStatus.STOPPED, 9.0, 8.0, 10, names)
    out = recording_stopped(rec, LINKS)
    assert out["download_url"] == LINKS.url("recordings", names[0])
    assert out["save_url"] == LINKS.save_url("recordings", names[0])
    assert out["segments"] == list(names)
    assert [s["download_url"] for s in out["segment_links"]] == [LINKS.url("recordings", n) for n in names]
    single = recording_stopped(Recording("camera0", "camera0_2.mp4", "mp4", 1.0), LINKS)
    assert "segments" not in single and single["save_url"].endswith("&download=1")
