"""The external streams list as pure functions: URL and type checks that never echo a
password, and the file format (round trip, and every way a file can be wrong)."""

from __future__ import annotations

import json

import pytest

from camera_service.cameras.stream_store import (
    check_stream_type,
    check_stream_url,
    decode,
    encode,
    is_skydio,
)
from camera_service.errors import InvalidParams
from camera_service.models_streams import ExternalStream

pytestmark = pytest.mark.unit


def stream(url: str, safe: str | None = None, name: str = "Gate",
           kind: str = "generic_rtsp") -> ExternalStream:
    return ExternalStream(url=url, safe_url=safe or url, name=name, type=kind, added_at=1700000000.5)


@pytest.mark.parametrize("url", ["rtsp://cam/live", "rtsps://u:p@10.0.0.2:8322/x?a=1",
                                 "RTSP://[fd00::1]:554/"])
def test_rtsp_urls_are_accepted(url: str) -> None:
    assert check_stream_url(url) == url


@pytest.mark.parametrize(("url", "why"), [
    ("", "at most"),
    ("http://cam/x", "must look like rtsp://"),
    ("rtsp:///x", "must look like rtsp://"),
    ("rtsp://cam:99999/x", "not a valid URL"),
    ("rtsp://cam/a b", "without spaces"),
    ("rtsp://cam/\nx", "without spaces"),
    ("rtsp://cam/" + "x" * 3000, "at most"),
])
def test_bad_urls_are_refused_naming_the_parameter(url: str, why: str) -> None:
    with pytest.raises(InvalidParams, match=why) as info:
        check_stream_url(url)
    assert info.value.param == "stream_url"


def test_a_refused_url_is_shown_without_its_credentials() -> None:
    with pytest.raises(InvalidParams) as info:
        check_stream_url("http://admin:hunter2@cam/x")
    assert "hunter2" not in str(info.value) and "admin" not in str(info.value)
    assert "http://cam/x" in str(info.value)


def test_stream_types_default_to_generic_rtsp_and_must_be_short_words() -> None:
    assert check_stream_type(None) == "generic_rtsp"
    assert check_stream_type("skydio_eo") == "skydio_eo"
    for bad in ("Skydio EO", "x" * 80, "-x"):
        with pytest.raises(InvalidParams) as info:
            check_stream_type(bad)
        assert info.value.param == "stream_type"
    assert is_skydio("skydio_ir") and not is_skydio("generic_rtsp")


def test_the_file_keeps_url_name_type_and_time_and_reads_back_the_same() -> None:
    streams = [stream("rtsp://u:p@cam/a", "rtsp://cam/a"), stream("rtsp://cam2/b", kind="skydio_eo")]
    text = encode(streams)
    assert json.loads(text)["version"] == 1
    assert decode(text) == streams


@pytest.mark.parametrize(("text", "why"), [
    ('{"version": 2, "streams": []}', "version 1"),
    ('{"version": 1}', "'streams' must be a list"),
    ('{"version": 1, "streams": [1]}', r"streams\[0\] must be an object"),
    ('{"version": 1, "streams": [{"url": "rtsp://c/x", "name": "a"}]}', "url, name and type"),
    ('{"version": 1, "streams": [{"url": "rtsp://c/x", "name": "a", "type": "generic_rtsp", '
     '"added_at": true}]}', "added_at must be a number"),
    ('{"version": 1, "streams": [{"url": "http://c/x", "name": "a", "type": "generic_rtsp", '
     '"added_at": 1}]}', "must look like rtsp"),
])
def test_a_bad_file_is_refused_saying_what_is_wrong(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        decode(text)


def test_a_file_repeating_a_camera_under_other_credentials_is_refused() -> None:
    text = encode([stream("rtsp://a:1@cam/x", "rtsp://cam/x"), stream("rtsp://b:2@cam/x", "rtsp://cam/x")])
    with pytest.raises(ValueError, match="repeats rtsp://cam/x"):
        decode(text)
