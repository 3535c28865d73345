"""A camera's motion buffer state (``CameraBuffer``) and the file of its pending clips
(``state_dir/motion-buffer/cameraN.clips.json``): the clips, the pieces they need and the
piece being written, saved at every change so that the next start after a crash can make
the clips from the pieces on disk. Pure: text in, text out."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from .motion_buffer import Clip, Piece

SUFFIX = ".clips.json"
NEVER = float("-inf")  # a clip nothing was made of yet (JSON has no infinity: null)


@dataclass
class CameraBuffer:
    pieces: list[Piece] = field(default_factory=list)  # closed, oldest first
    clips: list[Clip] = field(default_factory=list)
    running: bool = False
    open: Piece | None = None  # the piece being written (its end: so far)


def encode(buf: CameraBuffer) -> str:
    needed = [p for p in buf.pieces if any(c.needs(p) for c in buf.clips)]
    return json.dumps({
        "clips": [{**asdict(c), "made_to": c.made_to if c.made_to > NEVER else None} for c in buf.clips],
        "pieces": [asdict(p) for p in needed],
        "open": asdict(buf.open) if buf.open is not None else None,
    })  # fmt: skip


def decode(text: str) -> CameraBuffer:
    """Raises ``ValueError`` saying what is wrong."""
    try:
        body = json.loads(text)
        clips = [Clip(float(c["start"]), None if c["until"] is None else float(c["until"]),
                      tuple(str(e) for e in c["events"]),
                      NEVER if c["made_to"] is None else float(c["made_to"])) for c in body["clips"]]
        pieces = [Piece(str(p["name"]), float(p["start"]), float(p["end"]), int(p["size"]))
                  for p in body["pieces"]]
        opened = body.get("open")
        open_piece = None if opened is None else Piece(
            str(opened["name"]), float(opened["start"]), float(opened["end"]), int(opened["size"]))
    except (KeyError, TypeError, AttributeError) as e:
        raise ValueError(f"not a pending clips file: {e!r}") from None
    return CameraBuffer(pieces, clips, False, open_piece)
