"""Fragmented MP4 as a byte stream: split it into top-level boxes, read what each fragment
holds (its decode time, duration and whether it starts at a key frame) and renumber
fragments so a file cut out of a longer stream starts at time 0. Pure: no I/O.

Only what ffmpeg's mp4 muxer writes with ``-movflags +frag_every_frame+empty_moov+
default_base_moof`` for one video track is needed (``preroll``): an init segment (``ftyp``
and ``moov`` with the track's ``mdhd`` time scale and ``trex`` defaults), then one
``moof``+``mdat`` pair per frame, each ``moof`` with one ``traf`` (``tfhd``, a version-1
``tfdt``, one ``trun``). Anything else raises ``ValueError``.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

HEADER = 8
NON_SYNC = 0x10000  # sample_is_non_sync_sample in ISO BMFF sample flags
MAX_BOX = 64 * 1024 * 1024  # a frame larger than this is not a camera's


def boxes(data: bytes | memoryview, start: int = 0, end: int | None = None) -> Iterator[tuple[str, int, int]]:
    """``(type, offset, size)`` of each complete box in ``data[start:end]``."""
    end = len(data) if end is None else end
    off = start
    while off + HEADER <= end:
        size, kind = struct.unpack_from(">I4s", data, off)
        if size < HEADER or off + size > end:
            return
        yield kind.decode("latin-1"), off, size
        off += size


class BoxSplitter:
    """Bytes in (any chunking), complete top-level boxes out."""

    def __init__(self) -> None:
        self._pending = bytearray()

    def feed(self, chunk: bytes) -> list[tuple[str, bytes]]:
        self._pending += chunk
        out = []
        off = 0
        while len(self._pending) - off >= HEADER:
            size, kind = struct.unpack_from(">I4s", self._pending, off)
            if size < HEADER or size > MAX_BOX:
                raise ValueError(f"box of {size} bytes: not a stream of MP4 boxes")
            if len(self._pending) - off < size:
                break
            out.append((kind.decode("latin-1"), bytes(self._pending[off : off + size])))
            off += size
        del self._pending[:off]
        return out


@dataclass(frozen=True)
class TrackDefaults:
    timescale: int
    duration: int  # trex default_sample_duration
    flags: int  # trex default_sample_flags


def _child(data: bytes, start: int, end: int, kind: str) -> tuple[int, int]:
    for k, off, size in boxes(data, start, end):
        if k == kind:
            return off, size
    raise ValueError(f"no {kind} box")


def track_defaults(moov: bytes) -> TrackDefaults:
    """The first track's time scale (``mdhd``) and fragment defaults (``trex``)."""
    trak, size = _child(moov, HEADER, len(moov), "trak")
    mdia, msize = _child(moov, trak + HEADER, trak + size, "mdia")
    mdhd, _ = _child(moov, mdia + HEADER, mdia + msize, "mdhd")
    version = moov[mdhd + HEADER]
    timescale = struct.unpack_from(">I", moov, mdhd + HEADER + (20 if version == 1 else 12))[0]
    duration = flags = 0
    try:
        mvex, xsize = _child(moov, HEADER, len(moov), "mvex")
        trex, _ = _child(moov, mvex + HEADER, mvex + xsize, "trex")
        # version/flags, track_ID, description index, duration, size, flags
        duration, _, flags = struct.unpack_from(">III", moov, trex + HEADER + 12)
    except ValueError:
        pass
    if timescale <= 0:
        raise ValueError("a track time scale of 0")
    return TrackDefaults(timescale, duration, flags)


@dataclass(frozen=True)
class Fragment:
    decode_time: int  # tfdt, in the track's time scale
    duration: int  # of all its samples
    key: bool  # its first sample is a sync sample
    tfdt_at: int  # offsets of the fields ``renumber`` rewrites
    sequence_at: int
    durations: tuple[int, ...] = ()  # each sample's


def fragment(moof: bytes, defaults: TrackDefaults) -> Fragment:
    """What a ``moof`` holds (its one ``traf``)."""
    mfhd, _ = _child(moof, HEADER, len(moof), "mfhd")
    traf, tsize = _child(moof, HEADER, len(moof), "traf")
    tfhd, _ = _child(moof, traf + HEADER, traf + tsize, "tfhd")
    tfdt, _ = _child(moof, traf + HEADER, traf + tsize, "tfdt")
    trun, _ = _child(moof, traf + HEADER, traf + tsize, "trun")
    if moof[tfdt + HEADER] != 1:
        raise ValueError("a version-0 tfdt")
    decode_time = struct.unpack_from(">Q", moof, tfdt + HEADER + 4)[0]

    tf_flags = struct.unpack_from(">I", moof, tfhd + HEADER)[0] & 0xFFFFFF
    pos = tfhd + HEADER + 8  # after version/flags and track_ID
    pos += 8 if tf_flags & 0x1 else 0  # base_data_offset
    pos += 4 if tf_flags & 0x2 else 0  # sample_description_index
    duration, flags = defaults.duration, defaults.flags
    if tf_flags & 0x8:
        duration = struct.unpack_from(">I", moof, pos)[0]
        pos += 4
    pos += 4 if tf_flags & 0x10 else 0  # default_sample_size
    if tf_flags & 0x20:
        flags = struct.unpack_from(">I", moof, pos)[0]

    tr_flags, count = struct.unpack_from(">II", moof, trun + HEADER)
    tr_flags &= 0xFFFFFF
    pos = trun + HEADER + 8
    pos += 4 if tr_flags & 0x1 else 0  # data_offset
    first_flags = None
    if tr_flags & 0x4:
        first_flags = struct.unpack_from(">I", moof, pos)[0]
        pos += 4
    durations = []
    for i in range(count):
        d, f = duration, flags
        if tr_flags & 0x100:
            d = struct.unpack_from(">I", moof, pos)[0]
            pos += 4
        pos += 4 if tr_flags & 0x200 else 0  # size
        if tr_flags & 0x400:
            f = struct.unpack_from(">I", moof, pos)[0]
            pos += 4
        pos += 4 if tr_flags & 0x800 else 0  # composition offset
        if i == 0:
            first_flags = f if first_flags is None else first_flags
        durations.append(d)
    key = first_flags is not None and not first_flags & NON_SYNC
    return Fragment(decode_time, sum(durations), key, tfdt + HEADER + 4, mfhd + HEADER + 4, tuple(durations))


def renumber(moof: bytes, frag: Fragment, sequence: int, time_offset: int) -> bytes:
    """``moof`` as fragment ``sequence`` of a file whose time starts ``time_offset`` later
    (its decode time less that)."""
    out = bytearray(moof)
    struct.pack_into(">I", out, frag.sequence_at, sequence)
    struct.pack_into(">Q", out, frag.tfdt_at, max(0, frag.decode_time - time_offset))
    return bytes(out)


def holds_media(head: bytes) -> bool:
    """Whether the start of a fragmented MP4 file holds a complete fragment (a ``moof`` and
    its ``mdat``): media on disk, not only the header."""
    seen_moof = False
    for kind, _, _ in boxes(head):
        if kind == "moof":
            seen_moof = True
        elif kind == "mdat" and seen_moof:
            return True
    return False


def sample_times(head: bytes, count: int) -> list[float]:
    """The decode times (seconds) of the first ``count`` samples of a fragmented MP4 file
    that starts with ``head`` (its whole fragments only); ``[]`` when it is not one."""
    defaults: TrackDefaults | None = None
    times: list[float] = []
    try:
        for kind, off, size in boxes(head):
            if kind == "moov":
                defaults = track_defaults(head[off : off + size])
            elif kind == "moof" and defaults is not None:
                frag = fragment(head[off : off + size], defaults)
                at = frag.decode_time
                for d in frag.durations:
                    times.append(at / defaults.timescale)
                    at += d
                if len(times) >= count:
                    break
    except (ValueError, struct.error):
        return []
    return times[:count]
