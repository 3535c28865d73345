"""The publisher's RTSP rewriting and peer lookup as pure functions: every request gets our
Authorization (a client's own is dropped), binary frames pass unchanged however the bytes
are split, and oversize input is refused."""

from __future__ import annotations

import pytest

from camera_service.publisher.peers import uid_of
from camera_service.publisher.relay import RequestRewriter, basic_authorization

pytestmark = pytest.mark.unit

AUTH = basic_authorization("camera-service-publisher", "s3cret")
SDP = b"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=x\r\n"
ANNOUNCE = (b"ANNOUNCE rtsp://127.0.0.1:4321/camera0 RTSP/1.0\r\nCSeq: 2\r\n"
            b"Authorization: Basic Zm9yZ2Vk\r\nContent-Type: application/sdp\r\n"
            b"Content-Length: " + str(len(SDP)).encode() + b"\r\n\r\n" + SDP)
FRAME = b"$\x00\x00\x05hello"
RECORD = b"RECORD rtsp://127.0.0.1:4321/camera0 RTSP/1.0\r\nCSeq: 4\r\n\r\n"


def test_basic_authorization() -> None:
    assert AUTH == b"Authorization: Basic Y2FtZXJhLXNlcnZpY2UtcHVibGlzaGVyOnMzY3JldA=="


@pytest.mark.parametrize("split", [1, 3, 7, 1000])
def test_requests_get_our_authorization_and_frames_pass_unchanged(split: int) -> None:
    stream = ANNOUNCE + RECORD + FRAME + FRAME
    rewriter = RequestRewriter(AUTH)
    out = b"".join(rewriter.feed(stream[i:i + split]) for i in range(0, len(stream), split))
    announce = (b"ANNOUNCE rtsp://127.0.0.1:4321/camera0 RTSP/1.0\r\nCSeq: 2\r\n"
                b"Content-Type: application/sdp\r\nContent-Length: "
                + str(len(SDP)).encode() + b"\r\n" + AUTH + b"\r\n\r\n" + SDP)
    record = b"RECORD rtsp://127.0.0.1:4321/camera0 RTSP/1.0\r\nCSeq: 4\r\n" + AUTH + b"\r\n\r\n"
    assert out == announce + record + FRAME + FRAME
    assert b"Zm9yZ2Vk" not in out


@pytest.mark.parametrize("bad", [
    b"OPTIONS * RTSP/1.0\r\n" + b"X: " + b"y" * (70 * 1024),
    b"ANNOUNCE x RTSP/1.0\r\nContent-Length: 99999999\r\n\r\n",
    b"ANNOUNCE x RTSP/1.0\r\nContent-Length: -1\r\n\r\n",
    b"ANNOUNCE x RTSP/1.0\r\nContent-Length: ten\r\n\r\n",
])
def test_oversize_or_malformed_requests_are_refused(bad: bytes) -> None:
    with pytest.raises(ValueError):
        RequestRewriter(AUTH).feed(bad)


TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1
   1: 0100007F:D431 0100007F:10E1 01 00000000:00000000 00:00000000 00000000   105        0 2 1
   2: 0100007F:10E1 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 3 1
   3: garbage
""".splitlines()


def test_the_uid_of_the_connecting_socket_is_found() -> None:
    assert uid_of(TCP, 0xD431, 0x10E1) == 105  # the client's socket, not our accepted one
    assert uid_of(TCP, 0x10E1, 0xD431) == 0
    assert uid_of(TCP, 0xD432, 0x10E1) is None
