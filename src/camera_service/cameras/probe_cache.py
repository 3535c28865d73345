"""What the last full V4L2 probe of each camera found, kept by identity.

A replugged camera is the same camera: its formats, sizes and rates have not changed. The
monitor hands the remembered result to ``v4l2.probe``, which reuses it when a quick look at
the node (``v4l2.Fingerprint``) still matches, and otherwise probes in full. Only cameras
with a stable identity (a serial number or a port) are remembered: ``node:/dev/videoN`` may
be any camera. Pure and bounded (least recently used entries go first); in memory only, so
a restart of the service always probes every camera afresh.
"""

from __future__ import annotations

from collections import OrderedDict

from .v4l2 import KnownCapabilities, ProbeResult

DEFAULT_SIZE = 64
_STABLE_PREFIXES = ("serial:", "path:")


class ProbeCache:
    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        if size < 1:
            raise ValueError("a probe cache needs room for one camera at least")
        self._size = size
        self._entries: OrderedDict[str, KnownCapabilities] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, identity: str) -> KnownCapabilities | None:
        known = self._entries.get(identity)
        if known is not None:
            self._entries.move_to_end(identity)
        return known

    def remember(self, identity: str, result: ProbeResult) -> None:
        """Keep a successful probe of a capture node with a stable identity."""
        if result.fingerprint is None or not result.capabilities.formats:
            return
        if not identity.startswith(_STABLE_PREFIXES):
            return
        self._entries[identity] = (result.fingerprint, result.capabilities)
        self._entries.move_to_end(identity)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def forget(self, identity: str) -> None:
        self._entries.pop(identity, None)
