"""RTSP discovery's pure parts: host specs and CIDR ranges expanded with a cap, candidate
URLs, the DESCRIBE request, and reading a reply's status line, headers and SDP."""

from __future__ import annotations

import pytest

from camera_service.cameras.rtsp_wire import (
    MAX_HEADER_BYTES,
    Candidate,
    Reply,
    WireError,
    candidates,
    describe_request,
    expand_hosts,
    found,
    parse_headers,
    parse_reply_head,
    parse_status_line,
    sdp_codecs,
)

pytestmark = pytest.mark.unit


def test_a_cidr_range_gives_its_hosts_without_network_and_broadcast() -> None:
    hosts, problems = expand_hosts(["192.168.1.0/30"], cap=10)
    assert hosts == ["192.168.1.1", "192.168.1.2"] and problems == []


def test_single_addresses_names_and_tiny_ranges_are_kept_in_order_without_repeats() -> None:
    hosts, problems = expand_hosts(["cam.local", "10.0.0.5", "10.0.0.4/31", "10.0.0.5/32"], cap=10)
    assert hosts == ["cam.local", "10.0.0.5", "10.0.0.4"] and problems == []


def test_expansion_stops_at_the_cap_and_says_where() -> None:
    hosts, problems = expand_hosts(["10.0.0.0/8", "127.0.0.1"], cap=5)
    assert hosts == ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"]
    assert problems == ["10.0.0.0/8: stopped at the cap of 5 hosts"]


def test_a_bad_range_is_reported_and_the_others_still_expand() -> None:
    hosts, problems = expand_hosts(["10.0.0.300/30", "127.0.0.1"], cap=5)
    assert hosts == ["127.0.0.1"]
    assert len(problems) == 1 and problems[0].startswith("10.0.0.300/30: not a CIDR range")


def test_ipv6_ranges_expand_too() -> None:
    hosts, _ = expand_hosts(["fd00::/126"], cap=10)
    assert hosts == ["fd00::1", "fd00::2", "fd00::3"]


def test_candidates_cover_every_port_and_path_of_each_kind_once() -> None:
    got = candidates(["127.0.0.1"], [("generic_rtsp", [554, 8554], ["live", "/"]),
                                      ("skydio", [8554], ["/live"])])
    assert [c.url for c in got] == [
        "rtsp://127.0.0.1:554/live", "rtsp://127.0.0.1:554/",
        "rtsp://127.0.0.1:8554/live", "rtsp://127.0.0.1:8554/",
    ]  # 8554/live was already a generic candidate
    assert {c.kind for c in got} == {"generic_rtsp"}


def test_an_ipv6_candidate_url_brackets_its_address() -> None:
    assert Candidate("fd00::1", 554, "/x", "generic_rtsp").url == "rtsp://[fd00::1]:554/x"


def test_describe_request_is_rtsp_1_0_with_cseq_and_accept() -> None:
    text = describe_request("rtsp://127.0.0.1:554/live", 3).decode()
    assert text.startswith("DESCRIBE rtsp://127.0.0.1:554/live RTSP/1.0\r\n")
    assert "CSeq: 3\r\n" in text and "Accept: application/sdp\r\n" in text
    assert text.endswith("\r\n\r\n")


def test_describe_request_refuses_a_url_that_would_split_the_request() -> None:
    with pytest.raises(WireError):
        describe_request("rtsp://h/x\r\nCSeq: 9")


@pytest.mark.parametrize(("line", "expected"), [
    ("RTSP/1.0 200 OK\r\n", (200, "OK")),
    ("RTSP/1.0 401 Unauthorized", (401, "Unauthorized")),
    ("RTSP/2.0 404 Stream Not Found", (404, "Stream Not Found")),
    ("RTSP/1.0 503", (503, "")),
])
def test_status_lines_are_read(line: str, expected: tuple[int, str]) -> None:
    assert parse_status_line(line) == expected


@pytest.mark.parametrize("line", ["HTTP/1.1 200 OK", "SSH-2.0-OpenSSH_9.2", "", "RTSP/1.0 20 OK",
                                  "RTSP/1.0 abc OK"])
def test_anything_else_is_not_rtsp(line: str) -> None:
    with pytest.raises(WireError, match="not an RTSP status line"):
        parse_status_line(line)


def test_headers_are_case_folded_and_continuation_lines_joined() -> None:
    assert parse_headers(["CSeq: 1\r\n", "Content-Type:application/sdp", "WWW-Authenticate: Digest",
                          '  realm="cam"', ""]) == {
        "cseq": "1", "content-type": "application/sdp", "www-authenticate": 'Digest realm="cam"'}


def test_a_header_line_without_a_colon_is_refused() -> None:
    with pytest.raises(WireError, match="not a header line"):
        parse_headers(["CSeq 1"])


def test_a_reply_head_gives_status_headers_and_content_length() -> None:
    reply = parse_reply_head(b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 42\r\n\r\n")
    assert (reply.status, reply.reason, reply.content_length) == (200, "OK", 42)


def test_a_bad_content_length_counts_as_none() -> None:
    assert Reply(200, "OK", {"content-length": "-5"}).content_length == 0
    assert Reply(200, "OK", {"content-length": "lots"}).content_length == 0


def test_an_oversized_reply_head_is_refused() -> None:
    with pytest.raises(WireError, match="longer than"):
        parse_reply_head(b"RTSP/1.0 200 OK\r\nX: " + b"a" * MAX_HEADER_BYTES + b"\r\n\r\n")


def test_sdp_codecs_are_read_from_rtpmap_lines() -> None:
    sdp = ("v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
           "m=audio 0 RTP/AVP 97\r\na=rtpmap:97 mpeg4-generic/48000/2\r\na=rtpmap:98 H264/90000\r\n")
    assert sdp_codecs(sdp) == ("H264", "MPEG4-GENERIC")
    assert sdp_codecs("") == ()


@pytest.mark.parametrize(("status", "answer"), [(200, True), (401, True), (404, False),
                                                (403, False), (500, False)])
def test_found_means_200_or_401(status: int, answer: bool) -> None:
    assert found(Reply(status, "", {})) is answer
