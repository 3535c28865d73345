"""Server-to-client WebSocket frames (RFC 6455 §5.2), built once and written to many.

A notification goes to hundreds of clients with the same bytes; framing it once and writing
the frame to each idle client's transport saves a task switch and an encode per client.
Server frames are never masked; compression is off on our connections."""

from __future__ import annotations

import struct


def text_frame(text: str) -> bytes:
    payload = text.encode("utf-8")
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x81, n)
    elif n < 65536:
        header = struct.pack("!BBH", 0x81, 126, n)
    else:
        header = struct.pack("!BBQ", 0x81, 127, n)
    return header + payload
