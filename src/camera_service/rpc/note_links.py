"""Download links in notifications (pure): ``snapshot_taken`` and a recording's end
(``recording_status_update`` STOPPED, or FAILED with the file kept) carry ``download_url``
and ``save_url`` of the file, and ``segment_links`` for a segmented recording.

The bus carries no links: the API server adds them at delivery, for each recipient on its
own (``with_links`` with links made then), and never encodes such a notification once for
everyone, so one recipient's link is never handed to another and every link lives its full
time from the moment it is sent.
"""

from __future__ import annotations

from typing import Any

from ..links import FileLinks
from ..models import Notification
from .present import file_links, segment_links

ENDED = frozenset({"STOPPED", "FAILED"})


def linked_file(note: Notification) -> tuple[str, str] | None:
    """``(kind, filename)`` of the file a notification reports, or ``None``."""
    filename = note.params.get("filename")
    if not isinstance(filename, str) or not filename:
        return None
    if note.method == "snapshot_taken":
        return "snapshots", filename
    if note.method == "recording_status_update" and note.params.get("status") in ENDED:
        return "recordings", filename
    return None


def with_links(note: Notification, links: FileLinks) -> dict[str, Any]:
    """The notification's params with the links of its file (as they are when it has none)."""
    target = linked_file(note)
    if target is None:
        return dict(note.params)
    params: dict[str, Any] = {**note.params, **file_links(*target, links)}
    segments = note.params.get("segments")
    if target[0] == "recordings" and isinstance(segments, list | tuple) and segments:
        params["segment_links"] = segment_links([str(s) for s in segments], links)
    return params
