"""Logging target selection and the console format."""

from __future__ import annotations

import logging
import os
import sys

import pytest

from camera_service.logs import ConsoleFormatter, journal_is_stream

pytestmark = pytest.mark.unit


def record(msg: str, **extra: object) -> logging.LogRecord:
    r = logging.LogRecord("camera_service.x", logging.INFO, __file__, 1, msg, None, None)
    for k, v in extra.items():
        setattr(r, k, v)
    return r


def test_console_lines_carry_the_structured_fields_as_a_tag() -> None:
    line = ConsoleFormatter().format(record("connected", CAMERA_ID="camera0", COMPONENT="x"))
    assert line.endswith("INFO    camera_service.x: [camera0] connected")


def test_console_line_without_fields() -> None:
    assert ConsoleFormatter().format(record("hello")).endswith("camera_service.x: hello")


def test_journal_stream_must_name_our_own_stream() -> None:
    assert not journal_is_stream({})
    assert not journal_is_stream({"JOURNAL_STREAM": "garbage"})
    assert not journal_is_stream({"JOURNAL_STREAM": "1:2"})
    st = os.fstat(sys.stderr.fileno())
    assert journal_is_stream({"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"})
