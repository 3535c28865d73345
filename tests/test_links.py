"""Signed download links as pure functions: what verifies, what is refused and why."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from camera_service.errors import AuthError, LinkRefused
from camera_service.links import STEP, FileLinks, LinkSigner, file_path, link_key, public_base

pytestmark = pytest.mark.unit

NOW = 1_800_000_000.0
SIGNER = LinkSigner(link_key("a-jwt-secret-of-at-least-32-bytes!!"), ttl=3600)


def signed(kind: str, name: str, now: float = NOW, signer: LinkSigner = SIGNER) -> tuple[str, str]:
    query = parse_qs(signer.query(kind, name, now))
    return query["expires"][0], query["sig"][0]


def test_a_fresh_link_verifies_until_it_expires() -> None:
    expires, sig = signed("snapshots", "camera0_1.jpg")
    assert NOW + 3600 <= int(expires) < NOW + 3600 + STEP
    SIGNER.verify("snapshots", "camera0_1.jpg", expires, sig, NOW)
    SIGNER.verify("snapshots", "camera0_1.jpg", expires, sig, int(expires) - 1)
    with pytest.raises(LinkRefused, match="expired"):
        SIGNER.verify("snapshots", "camera0_1.jpg", expires, sig, int(expires))


def test_links_made_within_a_step_are_identical() -> None:
    start = (NOW // STEP) * STEP + 1
    assert SIGNER.query("recordings", "a.mp4", start) == SIGNER.query("recordings", "a.mp4", start + STEP - 2)
    assert SIGNER.query("recordings", "a.mp4", start) != SIGNER.query("recordings", "a.mp4", start + STEP)


@pytest.mark.parametrize(
    "kind,name",
    [("snapshots", "camera0_2.jpg"), ("recordings", "camera0_1.jpg"), ("snapshots", "camera0_1.jpg ")],
)
def test_a_link_is_for_one_file_of_one_kind(kind: str, name: str) -> None:
    expires, sig = signed("snapshots", "camera0_1.jpg")
    with pytest.raises(LinkRefused, match="another file"):
        SIGNER.verify(kind, name, expires, sig, NOW)


def test_a_moved_expiry_or_changed_signature_is_refused() -> None:
    expires, sig = signed("snapshots", "a.jpg")
    with pytest.raises(LinkRefused, match="tampered"):
        SIGNER.verify("snapshots", "a.jpg", str(int(expires) + STEP), sig, NOW)
    flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
    with pytest.raises(LinkRefused, match="tampered"):
        SIGNER.verify("snapshots", "a.jpg", expires, flipped, NOW)
    with pytest.raises(LinkRefused, match="tampered"):
        SIGNER.verify("snapshots", "a.jpg", expires, sig[:-1], NOW)


def test_another_secret_signs_differently() -> None:
    other = LinkSigner(link_key("another-jwt-secret-of-32-bytes-or-more"), ttl=3600)
    expires, sig = signed("snapshots", "a.jpg", signer=other)
    with pytest.raises(LinkRefused):
        SIGNER.verify("snapshots", "a.jpg", expires, sig, NOW)


def test_the_link_key_is_not_the_secret_and_is_stable() -> None:
    secret = "a-jwt-secret-of-at-least-32-bytes!!"
    assert link_key(secret) == link_key(secret.encode()) and len(link_key(secret)) == 32
    assert secret.encode() not in link_key(secret)


@pytest.mark.parametrize(
    "expires,sig,reason",
    [
        (None, "x", "needs both"),
        ("1", None, "needs both"),
        ("", "", "needs both"),
        ("-5", "abc", "unix seconds"),
        ("1e9", "abc", "unix seconds"),
        ("\uff11\uff12\uff13", "abc", "unix seconds"),  # fullwidth digits: isdigit() but not ASCII
        ("9" * 40, "abc", "unix seconds"),
        ("1900000000", "not base64url!", "invalid link signature"),
        ("1900000000", "a" * 500, "invalid link signature"),
    ],
)
def test_malformed_parameters_get_a_reason(expires: str | None, sig: str | None, reason: str) -> None:
    with pytest.raises(LinkRefused, match=reason):
        SIGNER.verify("snapshots", "a.jpg", expires, sig, NOW)


def test_a_refused_link_is_an_auth_error() -> None:
    assert issubclass(LinkRefused, AuthError)


def test_names_that_need_quoting_round_trip() -> None:
    name = "front door ü&?#%.jpg"
    links = FileLinks(SIGNER, "https://cams.example/camera", NOW)
    url = urlsplit(links.url("snapshots", name))
    assert url.scheme == "https" and url.netloc == "cams.example"
    assert url.path.startswith("/camera/files/snapshots/")
    assert unquote(url.path.rsplit("/", 1)[1]) == name
    query = parse_qs(url.query)
    SIGNER.verify("snapshots", name, query["expires"][0], query["sig"][0], NOW)
    assert file_path("recordings", "a/b") == "/files/recordings/a%2Fb"


@pytest.mark.parametrize(
    "public_url,host,tls,port,base",
    [
        (None, "localhost", False, 8002, "http://localhost:8002"),
        (None, "cams.example", True, 8443, "https://cams.example:8443"),
        (None, "cams.example", True, 443, "https://cams.example"),
        (None, "cams.example", False, 80, "http://cams.example"),
        (None, "::1", False, 8002, "http://[::1]:8002"),
        (None, "[::1]", False, 8002, "http://[::1]:8002"),
        ("https://cams.example/camera/", "ignored", False, 8002, "https://cams.example/camera"),
    ],
)
def test_public_base(public_url: str | None, host: str, tls: bool, port: int, base: str) -> None:
    assert public_base(public_url, host, tls, port) == base
