"""Server frames built once for every client (pure)."""

from __future__ import annotations

import struct

import pytest

from camera_service.web.frames import text_frame

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("size,header_len", [(0, 2), (125, 2), (126, 4), (65535, 4), (65536, 10)])
def test_length_encodings(size: int, header_len: int) -> None:
    frame = text_frame("x" * size)
    assert frame[0] == 0x81  # FIN + text, no RSV bits
    assert frame[1] & 0x80 == 0  # server frames are not masked
    n = frame[1] & 0x7F
    if header_len == 4:
        (n,) = struct.unpack("!H", frame[2:4])
    elif header_len == 10:
        (n,) = struct.unpack("!Q", frame[2:10])
    assert n == size and len(frame) == header_len + size


def test_payload_is_utf8() -> None:
    assert text_frame("é")[2:] == "é".encode()
