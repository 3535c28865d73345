"""Stream tokens as pure functions: short, URL-safe, scoped to one path, expiring, and
unforgeable without the key."""

from __future__ import annotations

import pytest

from camera_service import stream_token
from camera_service.rpc.stream_tokens import url_with_token

pytestmark = pytest.mark.unit

KEY = stream_token.derive_key("a-jwt-secret-of-some-length-0123456789")
NOW = 1_900_000_000.0


def test_a_token_reads_its_path_until_it_expires() -> None:
    token = stream_token.mint(KEY, "camera0", NOW + 600)
    assert stream_token.check(KEY, token, "camera0", NOW) == ""
    assert stream_token.check(KEY, token, "camera0", NOW + 599) == ""
    assert stream_token.check(KEY, token, "camera0", NOW + 600) == "stream token expired"


def test_a_token_is_no_use_on_another_path_or_with_another_key() -> None:
    token = stream_token.mint(KEY, "camera0", NOW + 600)
    assert "not valid for path 'camera1'" in stream_token.check(KEY, token, "camera1", NOW)
    other = stream_token.derive_key("another-secret-0123456789abcdef")
    assert stream_token.check(other, token, "camera0", NOW) != ""


@pytest.mark.parametrize("mangle", [
    lambda t: t.replace("cst1.", "cst2."),
    lambda t: t + ".x",
    lambda t: t.rsplit(".", 1)[0] + ".AAAAAAAAAAAAAAAAAAAAAA",
    lambda t: "cst1.zzzzzzzzzz." + t.rsplit(".", 1)[1],  # a later expiry, same signature
    lambda t: "cst1.zzzzzzzzzzz." + t.rsplit(".", 1)[1],
    lambda t: "cst1.-1." + t.rsplit(".", 1)[1],
    lambda t: "",
])
def test_a_changed_token_is_refused(mangle: object) -> None:
    token = stream_token.mint(KEY, "camera0", NOW + 600)
    assert callable(mangle)
    assert stream_token.check(KEY, mangle(token), "camera0", NOW) != ""


def test_the_token_fits_every_rtsp_clients_user_info_without_escaping() -> None:
    token = stream_token.mint(KEY, "camera123", 4_102_444_800)  # the year 2100
    assert len(token) < 50 and stream_token.looks_like(token)
    url = url_with_token("rtsp://cam-host.example:8554/camera123", token)
    assert url == f"rtsp://viewer:{token}@cam-host.example:8554/camera123"
    assert len(url.split("@")[0]) < 100  # ffmpeg keeps ~127 characters of user info
    assert url_with_token("http://h:8888/camera0/index.m3u8", token).endswith(f"?jwt={token}")


def test_no_stream_token_is_a_jwt() -> None:
    assert stream_token.mint(KEY, "camera0", NOW).count(".") == 2
    assert not stream_token.mint(KEY, "camera0", NOW).startswith("eyJ")
