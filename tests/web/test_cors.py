"""CORS header sets as pure functions, and the Content-Disposition of downloads."""

from __future__ import annotations

import pytest

from camera_service.web import cors
from camera_service.web.files import content_disposition

pytestmark = pytest.mark.unit

ALLOWED = ("https://console.example",)


def test_allowed_origin_is_echoed_never_a_wildcard() -> None:
    headers = cors.response_headers("https://console.example", "cams:8002", ALLOWED)
    assert headers["Access-Control-Allow-Origin"] == "https://console.example"
    assert "Content-Range" in headers["Access-Control-Expose-Headers"]
    anyone = cors.response_headers("https://else.example", "cams:8002", ("*",))
    assert anyone["Access-Control-Allow-Origin"] == "https://else.example"
    assert "Access-Control-Allow-Credentials" not in headers | anyone


def test_other_origins_and_plain_requests_get_nothing() -> None:
    assert cors.response_headers("https://evil.example", "cams:8002", ALLOWED) == {}
    assert cors.response_headers(None, "cams:8002", ALLOWED) == {}
    assert cors.preflight_headers("https://evil.example", "cams:8002", ALLOWED) is None
    assert cors.preflight_headers("null", "cams:8002", ALLOWED) is None
    assert cors.preflight_headers(None, "cams:8002", ALLOWED) is None


def test_preflight_allows_the_download_headers() -> None:
    headers = cors.preflight_headers("https://console.example", "cams:8002", ALLOWED)
    assert headers is not None
    allowed = {h.strip().lower() for h in headers["Access-Control-Allow-Headers"].split(",")}
    assert allowed == {"authorization", "x-api-key", "range"}
    assert "GET" in headers["Access-Control-Allow-Methods"]
    assert int(headers["Access-Control-Max-Age"]) > 0


def test_content_disposition() -> None:
    assert content_disposition("camera0_1.mp4", True) == 'attachment; filename="camera0_1.mp4"'
    assert content_disposition("camera0_1.jpg", False) == 'inline; filename="camera0_1.jpg"'
    odd = content_disposition('tür "1".jpg', True)
    assert odd == """attachment; filename="t_r _1_.jpg"; filename*=UTF-8''t%C3%BCr%20%221%22.jpg"""
