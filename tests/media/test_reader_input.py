"""How ffmpeg's input is named: a URL with credentials only in the ffconcat script (pure)."""

from __future__ import annotations

import pytest

from camera_service.errors import FFmpegError
from camera_service.media.reader_input import (
    SCRIPT_INPUT,
    carries_credentials,
    concat_script,
    input_args,
    input_script,
    redact_userinfo,
)
from camera_service.models import LAVFI_PREFIX

pytestmark = pytest.mark.unit

SECRET_URL = "rtsp://reader:hunter2@127.0.0.1:8554/camera0"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (SECRET_URL, True),
        ("rtsp://user@cam/x", True),
        ("http://u:p@cam/mjpg", True),
        ("rtsp://127.0.0.1:8554/camera0", False),
        ("/recordings/a@b.ts", False),  # a file whose name has an @
        (LAVFI_PREFIX + "testsrc2=size=640x480:rate=15", False),
    ],
)
def test_only_urls_with_a_user_part_carry_credentials(url: str, expected: bool) -> None:
    assert carries_credentials(url) is expected


@pytest.mark.parametrize("fast", [False, True])
def test_a_url_with_credentials_is_in_the_script_and_not_in_the_arguments(fast: bool) -> None:
    args = input_args(SECRET_URL, 5.0, fast_probe=fast)
    assert not any("hunter2" in a or "rtsp://" in a for a in args)
    assert args[-4:] == ["-protocol_whitelist", args[-3], "-i", SCRIPT_INPUT]
    assert args[args.index("-f") + 1] == "concat" and "-nostdin" in args
    script = input_script(SECRET_URL, 5.0, fast_probe=fast)
    assert script is not None
    lines = script.decode().splitlines()
    probe = ["option analyzeduration 100000", "option probesize 32768"] if fast else [
        "option analyzeduration 500000", "option probesize 500000"]  # fmt: skip
    assert lines == ["ffconcat version 1.0", f"file '{SECRET_URL}'", *probe,
                     "option rtsp_transport tcp", "option timeout 5000000"]  # fmt: skip
    # the concat demuxer's own probe is bounded the same way
    assert args[args.index("-analyzeduration") + 1] == probe[0].rsplit(" ", 1)[1]


def test_urls_without_credentials_are_read_directly_as_before() -> None:
    url = "rtsp://127.0.0.1:8554/camera0"
    assert input_script(url, 2.5) is None
    assert input_args(url, 2.5) == ["-analyzeduration", "500000", "-probesize", "500000",
                                    "-rtsp_transport", "tcp", "-timeout", "2500000", "-i", url]  # fmt: skip
    lavfi = LAVFI_PREFIX + "testsrc2"
    assert input_script(lavfi, 1) is None
    assert input_args(lavfi, 1) == ["-re", "-f", "lavfi", "-i", "testsrc2"]


def test_http_with_credentials_gets_no_rtsp_options() -> None:
    script = input_script("http://u:p@cam/mjpg", 1.0)
    assert script is not None and b"rtsp_transport" not in script
    assert b"option timeout 1000000" not in script


def test_quotes_are_escaped_and_line_breaks_or_huge_urls_refused() -> None:
    assert b"file 'rtsp://u:it'\\''s@h/x'" in concat_script("rtsp://u:it's@h/x", [])
    with pytest.raises(FFmpegError, match="line break"):
        concat_script("rtsp://u:p@h/x\nfile '/etc/shadow'", [])
    with pytest.raises(FFmpegError, match="too long"):
        concat_script("rtsp://u:p@h/" + "x" * 5000, [])


def test_ffmpeg_error_lines_lose_the_credentials_of_reader_urls() -> None:
    line = "rtsp://camera-service-reader:s3cr3t-_x@127.0.0.1:8554/camera0: Server returned 401"
    assert redact_userinfo(line) == "rtsp://127.0.0.1:8554/camera0: Server returned 401"
    assert redact_userinfo("frame=1 fps=0.0 q=3.0") == "frame=1 fps=0.0 q=3.0"
