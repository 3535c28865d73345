"""Notification names as topics: each selects its group; results are canonical."""

from __future__ import annotations

import pytest

from camera_service.errors import InvalidParams
from camera_service.models import TOPICS
from camera_service.rpc.topics import ALIASES, canonical, ordered

pytestmark = pytest.mark.unit


def test_each_notification_name_selects_its_group() -> None:
    assert canonical(["camera_status_update"]) == {"camera.connected", "camera.disconnected", "camera.status"}
    assert canonical(["recording_status_update"]) == {"recording.start", "recording.stop", "recording.error"}
    assert canonical(["snapshot_taken"]) == {"snapshot.taken"}


def test_groups_cover_every_topic_exactly_once() -> None:
    grouped = [t for group in ALIASES.values() for t in group]
    assert sorted(grouped) == sorted(TOPICS)


def test_canonical_topics_and_aliases_mix() -> None:
    assert canonical(["camera.connected", "snapshot_taken"]) == {"camera.connected", "snapshot.taken"}
    assert canonical([]) == frozenset()


def test_unknown_names_are_all_reported_with_what_is_known() -> None:
    with pytest.raises(InvalidParams) as info:
        canonical(["camera.exploded", "camera_status_update", "nope"])
    assert info.value.param == "topics"
    assert "camera.exploded, nope" in str(info.value) and "recording_status_update" in str(info.value)


def test_ordered_follows_the_topic_table() -> None:
    assert ordered({"snapshot.taken", "camera.status", "camera.connected"}) == [
        "camera.connected", "camera.status", "snapshot.taken",
    ]  # fmt: skip
