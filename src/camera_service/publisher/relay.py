"""What the publisher changes in ffmpeg's RTSP session on its way to MediaMTX: every request
gets our ``Authorization`` header (any the client sent is dropped); interleaved binary
frames (``$``, channel, length, data) pass unchanged. Pure: no I/O; linear in the input.
"""

from __future__ import annotations

import base64

MAX_HEAD = 64 * 1024  # an RTSP request head larger than this is not ffmpeg's
MAX_BODY = 1024 * 1024  # an ANNOUNCE's SDP is a few hundred bytes


def basic_authorization(user: str, password: str) -> bytes:
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return f"Authorization: Basic {token}".encode()


class RequestRewriter:
    """Feed it the client's bytes as they come; it returns what to send upstream."""

    def __init__(self, authorization: bytes) -> None:
        self._authorization = authorization
        self._buf = bytearray()

    def feed(self, data: bytes) -> bytes:
        self._buf += data
        out = bytearray()
        while self._buf:
            taken = self._frame() if self._buf[0] == 0x24 else self._request()  # 0x24: "$"
            if taken is None:
                break
            out += taken
        return bytes(out)

    def _frame(self) -> bytes | None:
        if len(self._buf) < 4:
            return None
        end = 4 + int.from_bytes(self._buf[2:4], "big")
        if len(self._buf) < end:
            return None
        frame = bytes(self._buf[:end])
        del self._buf[:end]
        return frame

    def _request(self) -> bytes | None:
        head_end = self._buf.find(b"\r\n\r\n", 0, MAX_HEAD + 4)
        if head_end < 0:
            if len(self._buf) > MAX_HEAD:
                raise ValueError("RTSP request head too large")
            return None
        lines = bytes(self._buf[:head_end]).split(b"\r\n")
        length = 0
        kept = [lines[0]]
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            key = name.strip().lower()
            if key == b"authorization":
                continue
            if key == b"content-length":
                try:
                    length = int(value.strip())
                except ValueError:
                    raise ValueError("bad Content-Length") from None
                if not 0 <= length <= MAX_BODY:
                    raise ValueError("RTSP request body too large")
            kept.append(line)
        end = head_end + 4 + length
        if len(self._buf) < end:
            return None
        body = bytes(self._buf[head_end + 4:end])
        del self._buf[:end]
        return b"\r\n".join([*kept, self._authorization]) + b"\r\n\r\n" + body
