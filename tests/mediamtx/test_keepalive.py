"""Kept-alive streams (pure): the table of kept cameras and their deadlines, the keepalive
path's configuration, and the status ``get_stream_status`` derives from MediaMTX's view."""

from __future__ import annotations

import pytest

from camera_service.mediamtx.keepalive import (
    ACTIVE,
    ERROR,
    INACTIVE,
    STARTING,
    STOPPING,
    KeepAlives,
    PathView,
    is_keepalive_path,
    keepalive_conf,
    keepalive_name,
    other_readers,
    stream_status,
)
from camera_service.mediamtx.paths import is_camera_path
from camera_service.mediamtx.reconcile import ActionKind, reconcile

pytestmark = pytest.mark.unit

WALL = 1_800_000_000.0


def test_keepalive_paths_are_named_after_their_camera_and_are_not_camera_paths() -> None:
    assert keepalive_name("camera3") == "camera3_keepalive"
    assert is_keepalive_path("camera3_keepalive")
    assert not is_camera_path("camera3_keepalive")
    for name in ("camera3", "visitor_keepalive", "camera_keepalive", "camera3_keepalive2"):
        assert not is_keepalive_path(name)


def test_keepalive_path_pulls_the_camera_path_always_over_tcp() -> None:
    conf = keepalive_conf("rtsp://127.0.0.1:8554/camera0")
    assert conf == {"source": "rtsp://127.0.0.1:8554/camera0", "sourceOnDemand": False,
                    "rtspTransport": "tcp"}


def test_a_kept_stream_lasts_keep_for_seconds() -> None:
    table = KeepAlives()
    kept = table.start("camera0", WALL, 100.0, 60.0)
    assert (kept.started_at, kept.keep_for, kept.deadline) == (WALL, 60.0, 160.0)
    assert table.get("camera0", 159.9) == kept
    assert table.get("camera0", 160.0) is None
    assert table.next_deadline() == 160.0
    assert table.expire(159.0) == []
    assert table.expire(160.0) == [kept]
    assert table.active(160.0) == [] and table.next_deadline() is None


def test_starting_again_extends_and_keeps_the_start_time() -> None:
    table = KeepAlives()
    table.start("camera0", WALL, 100.0, 60.0)
    again = table.start("camera0", WALL + 30, 130.0, 60.0)
    assert (again.started_at, again.deadline) == (WALL, 190.0)


def test_starting_after_expiry_is_a_new_stream() -> None:
    table = KeepAlives()
    table.start("camera0", WALL, 100.0, 60.0)
    fresh = table.start("camera0", WALL + 100, 200.0, 60.0)
    assert (fresh.started_at, fresh.deadline) == (WALL + 100, 260.0)


def test_stop_returns_the_kept_stream_once() -> None:
    table = KeepAlives()
    kept = table.start("camera1", WALL, 0.0, 10.0)
    table.start("camera0", WALL, 0.0, 10.0)
    assert table.stop("camera1", 5.0) == kept
    assert table.stop("camera1", 5.0) is None
    assert [k.camera_id for k in table.active(5.0)] == ["camera0"]
    assert table.stop("camera0", 10.0) is None  # already expired: nothing to stop


def test_the_keepalive_pull_is_not_counted_as_a_reader() -> None:
    assert other_readers(PathView(True, True, 3, keepalive_reading=True)) == 2
    assert other_readers(PathView(True, True, 3)) == 3
    assert other_readers(PathView(True, False, 0, keepalive_reading=True)) == 0


def _status(view: PathView, kept_since: float | None = None, *, now: float = 100.0,
            camera_error: bool = False, stopped_at: float | None = None) -> str:
    table = KeepAlives()
    kept = None if kept_since is None else table.start("camera0", WALL, kept_since, 3600.0)
    return stream_status(view, kept, camera_error, now, start_timeout=10.0,
                         stopped_at=stopped_at, close_after=10.0)


@pytest.mark.parametrize(
    ("view", "kept_since", "stopped_at", "camera_error", "want"),
    [
        (PathView(False), None, None, False, INACTIVE),  # no path (camera not published)
        (PathView(True, False, 0), None, None, False, INACTIVE),  # on demand, nobody reads
        (PathView(True, True, 1), None, None, False, ACTIVE),  # someone reads on demand
        (PathView(True, True, 1, True), 95.0, None, False, ACTIVE),  # kept and up
        (PathView(True, False, 0), 95.0, None, False, STARTING),  # kept, 5 s of 10 gone
        (PathView(False), 95.0, None, False, STARTING),
        (PathView(True, False, 0), 80.0, None, False, ERROR),  # kept, not up after 20 s
        (PathView(True, True, 0), None, 95.0, False, STOPPING),  # stopped, closing
        (PathView(True, True, 1), None, 95.0, False, ACTIVE),  # stopped, others still read
        (PathView(True, True, 0), None, 80.0, False, ACTIVE),  # close_after is long gone
        (PathView(True, True, 1), None, None, True, ERROR),  # the camera itself failed
    ],
)
def test_stream_status(view: PathView, kept_since: float | None, stopped_at: float | None,
                       camera_error: bool, want: str) -> None:
    assert _status(view, kept_since, stopped_at=stopped_at, camera_error=camera_error) == want


def _owned(name: str) -> bool:  # what StreamService owns after a restart of the service
    return is_camera_path(name) or is_keepalive_path(name)


def test_a_keepalive_path_as_mediamtx_reports_it_needs_no_change() -> None:
    want = keepalive_conf("rtsp://127.0.0.1:8554/camera0")
    have = {**want, "name": "camera0_keepalive", "sourceOnDemandCloseAfter": "10s",
            "maxReaders": 0, "record": False}  # MediaMTX answers with every setting
    assert reconcile({"camera0_keepalive": want}, {"camera0_keepalive": have}, _owned) == []


def test_a_keepalive_path_nobody_keeps_is_deleted_and_foreign_ones_stay() -> None:
    stale = keepalive_conf("rtsp://127.0.0.1:8554/camera0")
    actions = reconcile({}, {"camera0_keepalive": stale, "visitor_keepalive": stale}, _owned)
    assert [(a.kind, a.name) for a in actions] == [(ActionKind.DELETE, "camera0_keepalive")]
