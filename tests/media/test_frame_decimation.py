"""Which frames of a live stream the motion reader keeps (``media.frames.Decimator``), and
what it asks ffmpeg for. Pure."""

from __future__ import annotations

import itertools

import pytest

from camera_service.media.frames import Decimator, frame_args, is_live

pytestmark = pytest.mark.unit


def kept(fps: float, times: list[float]) -> list[float]:
    d = Decimator(fps)
    return [t for t in times if d.keep(t)]


@pytest.mark.parametrize("source_fps", [10, 15, 25, 30])
def test_five_of_a_steady_stream_a_second_on_its_frames(source_fps: int) -> None:
    times = [i / source_fps for i in range(source_fps * 10)]
    out = kept(5, times)
    assert len(out) == 50
    assert all(abs(b - a - 0.2) < 1e-9 for a, b in itertools.pairwise(out))


def test_jitter_does_not_drift_the_rate() -> None:
    times = [i / 15 + (0.015 if i % 2 else -0.015) for i in range(15 * 20)]
    assert len(kept(5, times)) == pytest.approx(100, abs=2)


def test_a_burst_is_thinned_like_the_time_it_holds() -> None:
    steady = [i / 15 for i in range(45)]  # 3 s at 15 fps
    burst = [4.0 + i * 0.001 for i in range(15)]  # 1 s of frames that waited, all at once
    after = [4.1 + i / 15 for i in range(15)]
    d = Decimator(5)
    assert sum(d.keep(t) for t in steady) == 15
    assert 4 <= sum(d.keep(t) for t in burst) <= 6  # about every 3rd, as in the time it holds
    assert sum(d.keep(t) for t in after) == 5


def test_a_slow_stream_is_kept_whole() -> None:
    assert kept(5, [0.0, 0.2, 5.0, 5.3, 5.6]) == [0.0, 0.2, 5.0, 5.3, 5.6]
    assert len(kept(5, [i / 3 for i in range(30)])) == 30  # 3 fps: every frame


def test_live_sources_are_read_whole_and_files_by_ffmpegs_fps_filter() -> None:
    assert is_live("rtsp://127.0.0.1:8554/camera0") and is_live("lavfi:testsrc2") and is_live("/dev/video0")
    assert not is_live("/tmp/clip.mkv")
    live = frame_args("rtsp://h/c", 320, 180, 5, 10.0, live=True)
    assert live[live.index("-threads") + 1] == "1"  # frame threads hold frames back
    assert "passthrough" in live and not any(a.startswith("fps=") for a in live)
    clip = frame_args("/tmp/clip.mkv", 320, 180, 5, 10.0, live=False)
    assert clip[clip.index("-vf") + 1].startswith("fps=5,")
    assert live[-4:] == clip[-4:] == ["-pix_fmt", "yuv420p", "-flush_packets", "1", "pipe:1"][-4:]
