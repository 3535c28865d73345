"""The admission rules (``web/admission.py``) as pure functions: unauthenticated connections
are counted apart, per address and in all, the oldest gives way to a newcomer, and
authenticated slots are never taken by them."""

from __future__ import annotations

import pytest

from camera_service.web.admission import (
    CLOSE_FULL,
    CLOSE_TOO_BIG,
    CLOSE_TOO_MANY,
    Admission,
    Limits,
    Probation,
    address_group,
    frame_refusal,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("peer", "group"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::ffff", "2001:db8:1:2::/64"),
        ("fe80::1%eth0", "fe80::/64"),
        ("", "?"),
        (None, "?"),
        ("not-an-address", "not-an-address"),
    ],
)
def test_peers_are_counted_by_address_and_ipv6_by_64(peer: str | None, group: str) -> None:
    assert address_group(peer) == group


def test_the_oldest_unauthenticated_of_an_address_gives_way() -> None:
    a: Admission[str] = Admission(Limits(max_authenticated=5, max_unauthenticated=100, per_address=3))
    assert [a.admit(f"c{i}", "192.0.2.1") for i in range(3)] == [[], [], []]
    assert a.admit("c3", "192.0.2.1") == ["c0"]
    assert a.admit("c4", "192.0.2.1") == ["c1"]
    assert a.admit("d0", "192.0.2.2") == []  # another address has its own count
    assert a.unauthenticated_from("192.0.2.1") == 3 and a.unauthenticated == 4
    a.remove("c0")  # already gone: idempotent
    assert a.unauthenticated == 4


def test_the_oldest_of_all_gives_way_at_the_global_bound() -> None:
    a: Admission[str] = Admission(Limits(max_authenticated=5, max_unauthenticated=3, per_address=10))
    for i in range(3):
        assert a.admit(f"c{i}", f"192.0.2.{i}") == []
    assert a.admit("c3", "192.0.2.9") == ["c0"]
    assert a.unauthenticated == 3


def test_unauthenticated_crowd_never_takes_authenticated_room() -> None:
    a: Admission[int] = Admission(Limits(max_authenticated=2, max_unauthenticated=4, per_address=4))
    for i in range(200):
        assert a.admit(i, "127.0.0.1") is not None
    assert a.unauthenticated == 4
    assert a.admit(1000, "127.0.0.1") is not None  # the admin's socket gets in
    assert a.promote(1000) and a.is_authenticated(1000)
    assert a.authenticated == 1 and a.unauthenticated == 3  # it left the crowd's count


def test_authenticated_slots_are_bounded() -> None:
    a: Admission[str] = Admission(Limits(max_authenticated=1, max_unauthenticated=4, per_address=4))
    assert a.admit("first", "h") == [] and a.admit("second", "h") == []
    assert a.promote("first")
    assert a.promote("first")  # again: no change
    assert not a.promote("second")  # authenticated into a full house
    assert a.admit("third", "h") is None  # and nobody new is let in while it is full
    a.remove("first")
    assert a.admit("third", "h") == []
    assert a.authenticated == 0


def test_frames_before_authentication_are_few_and_small() -> None:
    limits = Limits(max_messages=2, max_message_size=16)
    assert frame_refusal(1, "x" * 16, limits) is None
    assert frame_refusal(2, "é" * 8, limits) is None  # 16 bytes
    assert frame_refusal(1, "é" * 9, limits) == CLOSE_TOO_BIG  # 9 characters, 18 bytes
    assert frame_refusal(1, "x" * 17, limits) == CLOSE_TOO_BIG
    assert frame_refusal(1, "\ud800" * 6, limits) == CLOSE_TOO_BIG  # a lone surrogate is 3 bytes
    assert frame_refusal(3, "{}", limits) == CLOSE_TOO_MANY


def test_probation_counts_frames_until_signed_in() -> None:
    a: Admission[str] = Admission(Limits(max_authenticated=1, max_messages=2, max_message_size=100))
    a.admit("c", "h")
    p = Probation(a, "c")
    assert p.frame("{}") is None and p.signed_in(False) is None
    assert p.frame("{}") is None
    assert p.signed_in(True) is None and p.authenticated and a.is_authenticated("c")
    assert all(p.frame("x" * 1000) is None for _ in range(5))  # no bound once authenticated
    a.admit("d", "h")
    other = Probation(a, "d")
    assert other.signed_in(True) == CLOSE_FULL and not other.authenticated
    assert Probation(None, "trusted").authenticated
