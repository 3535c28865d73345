"""The probe cache is pure: results in, results out."""

from __future__ import annotations

import pytest

from camera_service.cameras.probe_cache import ProbeCache
from camera_service.cameras.v4l2 import DeviceInfo, Fingerprint, ProbeResult
from camera_service.models import Capabilities, FormatCaps, FrameSize

pytestmark = pytest.mark.unit

INFO = DeviceInfo("uvcvideo", "HD Pro Webcam C920", "usb-0000:00:14.0-1", 0x84A00001, 0x04200001)
CAPS = Capabilities((FormatCaps("MJPG", "Motion-JPEG", (FrameSize(1920, 1080, (30.0,)),)),))


def result(caps: Capabilities = CAPS, capture: bool = True) -> ProbeResult:
    fingerprint = Fingerprint(INFO, ((0x47504A4D, 1, "Motion-JPEG"),)) if capture else None
    return ProbeResult("/dev/video0", INFO, caps, fingerprint)


def test_remembers_a_probe_by_identity() -> None:
    cache = ProbeCache()
    cache.remember("serial:046d_C920_ABCD:00", result())
    known = cache.get("serial:046d_C920_ABCD:00")
    assert known is not None and known[1] == CAPS and known[0].info == INFO
    assert cache.get("serial:someone-else") is None


def test_only_stable_identities_and_capture_results_are_kept() -> None:
    cache = ProbeCache()
    cache.remember("node:/dev/video0", result())  # any camera may be on that node next
    cache.remember("serial:metadata", result(Capabilities(), capture=False))
    cache.remember("serial:no-formats", result(Capabilities()))
    assert len(cache) == 0
    cache.remember("path:pci-0000:00:14.0-usb-0:1:1.0:00", result())
    assert len(cache) == 1


def test_forget_drops_an_entry() -> None:
    cache = ProbeCache()
    cache.remember("serial:a", result())
    cache.forget("serial:a")
    cache.forget("serial:never-seen")
    assert cache.get("serial:a") is None


def test_least_recently_used_camera_goes_first() -> None:
    cache = ProbeCache(size=2)
    cache.remember("serial:a", result())
    cache.remember("serial:b", result())
    assert cache.get("serial:a") is not None  # a is now the most recent
    cache.remember("serial:c", result())
    assert cache.get("serial:b") is None
    assert cache.get("serial:a") is not None and cache.get("serial:c") is not None
    assert len(cache) == 2


def test_size_must_hold_one_camera() -> None:
    with pytest.raises(ValueError, match="one camera"):
        ProbeCache(size=0)
