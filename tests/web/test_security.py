"""Pure boundary checks: origins, bearer credentials, plain file names."""

from __future__ import annotations

import pytest

from camera_service.web.security import bearer_token, origin_allowed, plain_filename

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "origin,host,allowed,ok",
    [
        (None, "h:1", (), True),
        ("https://a.example", "h:1", ("https://a.example",), True),
        ("https://A.example/", "h:1", ("https://a.example",), True),
        ("https://b.example", "h:1", ("https://a.example",), False),
        ("https://b.example", "h:1", ("*",), True),
        ("http://h:1", "h:1", (), True),
        ("http://h:2", "h:1", (), False),
        ("null", "h:1", (), False),
        ("http://[bad", "h:1", (), False),
    ],
)
def test_origin_allowed(origin: str | None, host: str, allowed: tuple[str, ...], ok: bool) -> None:
    assert origin_allowed(origin, host, allowed) is ok


def test_bearer_token() -> None:
    assert bearer_token({"Authorization": "Bearer abc.def"}) == "abc.def"
    assert bearer_token({"Authorization": "bearer   k "}) == "k"
    assert bearer_token({"Authorization": "Basic xyz"}) is None
    assert bearer_token({"Authorization": "Bearer "}) is None
    assert bearer_token({}) is None


@pytest.mark.parametrize(
    "name,ok",
    [
        ("a.jpg", True),
        ("../a", False),
        ("a/b", False),
        ("a\\b", False),
        (".hidden", False),
        ("", False),
        ("a\0b", False),
        ("x" * 256, False),
    ],
)
def test_plain_filename(name: str, ok: bool) -> None:
    assert plain_filename(name) is ok
