"""camera-ctl's table and line formatting (pure)."""

from __future__ import annotations

import pytest

from camera_service.client import output

pytestmark = pytest.mark.unit


def test_table_aligns_columns_and_shows_missing_as_dash() -> None:
    text = output.table([("camera0", None), ("camera10", "x")], ("DEVICE", "FPS"))
    assert text.splitlines() == ["DEVICE    FPS", "--------  ---", "camera0   -", "camera10  x"]


@pytest.mark.parametrize(
    "n,text", [(0, "0 B"), (1023, "1023 B"), (2048, "2.0 KiB"), (5 * 1024**3, "5.0 GiB"), (None, "-")]
)
def test_human_size(n: object, text: str) -> None:
    assert output.human_size(n) == text


def test_notification_line() -> None:
    note = {
        "method": "recording_status_update",
        "params": {"device": "camera0", "status": "STOPPED", "filename": "a.mp4", "duration": 3.5},
    }
    assert output.notification(note) == (
        "recording_status_update device=camera0 status=STOPPED filename=a.mp4 duration=3.5"
    )
