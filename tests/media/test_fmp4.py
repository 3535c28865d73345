"""Fragmented MP4 as a byte stream (media/fmp4.py), on boxes laid out as ffmpeg's mp4 muxer
writes them with ``+frag_every_frame+empty_moov+default_base_moof`` (seen on its output for
the RTSP recipe camera: tfhd with a default duration, size and non-sync flags; a key frame's
trun carries sync first-sample flags)."""

from __future__ import annotations

import struct

import pytest

from camera_service.media import fmp4

pytestmark = pytest.mark.unit

NON_SYNC = 0x01010000
SYNC = 0x02000000


def box(kind: str, *parts: bytes) -> bytes:
    body = b"".join(parts)
    return struct.pack(">I4s", 8 + len(body), kind.encode()) + body


def full(version: int, flags: int) -> bytes:
    return struct.pack(">I", version << 24 | flags)


def moov(timescale: int = 90000) -> bytes:
    mdhd = box("mdhd", full(0, 0), struct.pack(">IIII", 0, 0, timescale, 0), b"\0" * 4)
    trex = box("trex", full(0, 0), struct.pack(">IIIII", 1, 1, 0, 0, 0))
    return box("moov", box("mvhd", b"\0" * 100), box("trak", box("tkhd", b"\0" * 84),
               box("mdia", mdhd)), box("mvex", trex))  # fmt: skip


def moof(sequence: int, decode_time: int, duration: int, key: bool) -> bytes:
    tfhd = box("tfhd", full(0, 0x020038), struct.pack(">IIII", 1, duration, 1000, NON_SYNC))
    tfdt = box("tfdt", full(1, 0), struct.pack(">Q", decode_time))
    trun = (box("trun", full(0, 0x5), struct.pack(">III", 1, 112, SYNC)) if key
            else box("trun", full(0, 0x1), struct.pack(">II", 1, 108)))  # fmt: skip
    return box("moof", box("mfhd", full(0, 0), struct.pack(">I", sequence)), box("traf", tfhd, tfdt, trun))


def test_boxes_come_out_whole_however_the_bytes_are_cut() -> None:
    stream = box("ftyp", b"isom") + moov() + moof(1, 0, 6000, True) + box("mdat", b"x" * 50)
    splitter = fmp4.BoxSplitter()
    kinds = [k for i in range(0, len(stream), 7) for k, _ in splitter.feed(stream[i : i + 7])]
    assert kinds == ["ftyp", "moov", "moof", "mdat"]
    assert splitter.feed(b"") == []


def test_a_box_of_impossible_size_is_refused() -> None:
    with pytest.raises(ValueError, match="not a stream of MP4 boxes"):
        fmp4.BoxSplitter().feed(struct.pack(">I4s", 3, b"moof"))


def test_a_fragment_says_its_time_length_and_whether_it_starts_at_a_key_frame() -> None:
    defaults = fmp4.track_defaults(moov(90000))
    assert defaults.timescale == 90000
    key = fmp4.fragment(moof(7, 123_000, 6000, True), defaults)
    assert (key.decode_time, key.duration, key.key) == (123_000, 6000, True)
    other = fmp4.fragment(moof(8, 129_000, 5999, False), defaults)
    assert (other.decode_time, other.duration, other.key) == (129_000, 5999, False)


def test_renumbering_makes_a_cut_start_at_time_zero_and_fragment_one() -> None:
    defaults = fmp4.track_defaults(moov())
    raw = moof(41, 500_000, 6000, True)
    info = fmp4.fragment(raw, defaults)
    again = fmp4.fragment(fmp4.renumber(raw, info, 1, 500_000), defaults)
    assert again.decode_time == 0 and again.key
    assert struct.unpack_from(">I", fmp4.renumber(raw, info, 1, 500_000), info.sequence_at) == (1,)


def test_media_on_disk_means_a_whole_fragment_not_the_header() -> None:
    head = box("ftyp", b"isom") + moov()
    assert not fmp4.holds_media(head)
    frag = moof(1, 0, 6000, True) + box("mdat", b"x" * 50)
    assert not fmp4.holds_media(head + frag[:-10])
    assert fmp4.holds_media(head + frag)


def test_sample_times_come_from_the_fragments() -> None:
    head = box("ftyp", b"isom") + moov(90000)
    head += moof(1, 0, 6000, True) + box("mdat", b"x") + moof(2, 6000, 6000, False) + box("mdat", b"y")
    assert fmp4.sample_times(head, 8) == [0.0, 6000 / 90000]
    assert fmp4.sample_times(head, 1) == [0.0]
    assert fmp4.sample_times(b"not mp4 at all", 8) == []
