"""Subscription statistics from the sessions of the live connections (pure)."""

from __future__ import annotations

import pytest

from camera_service.models import TOPICS
from camera_service.rpc.auth import Principal, Role
from camera_service.rpc.handlers_service import effective_topics, subscription_stats
from camera_service.rpc.session import Session

pytestmark = pytest.mark.unit

VIEWER = Principal("v", Role.VIEWER, "jwt")


def test_counts_what_each_authenticated_session_receives() -> None:
    everything, some, anon = Session(principal=VIEWER), Session(principal=VIEWER), Session()
    some.topics = frozenset({"snapshot.taken"})
    stats = subscription_stats([everything, some, anon], some)
    assert stats["client_id"] == some.session_id and stats["client_topics"] == ["snapshot.taken"]
    g = stats["global_stats"]
    assert g["active_clients"] == 2
    assert g["topic_counts"]["snapshot.taken"] == 2 and g["topic_counts"]["camera.status"] == 1
    assert g["total_subscriptions"] == len(TOPICS) + 1


def test_unauthenticated_sessions_receive_nothing() -> None:
    assert effective_topics(Session()) == []
    unsubscribed = Session(principal=VIEWER)
    unsubscribed.topics = frozenset()
    assert effective_topics(unsubscribed) == []
