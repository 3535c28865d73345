"""The V4L2 kernel ABI as ctypes sees it: request numbers equal to the kernel headers' and
fourcc codes both ways."""

from __future__ import annotations

import pytest

from camera_service.cameras import v4l2_abi


@pytest.mark.unit
def test_ioctl_numbers_match_the_kernel_headers() -> None:
    assert v4l2_abi.VIDIOC_QUERYCAP == 0x80685600
    assert v4l2_abi.VIDIOC_ENUM_FMT == 0xC0405602
    assert v4l2_abi.VIDIOC_ENUM_FRAMESIZES == 0xC02C564A
    assert v4l2_abi.VIDIOC_ENUM_FRAMEINTERVALS == 0xC034564B


@pytest.mark.unit
def test_fourcc_round_trip() -> None:
    assert v4l2_abi.fourcc_name(v4l2_abi.fourcc_code("MJPG")) == "MJPG"
    assert v4l2_abi.fourcc_name(0x56595559) == "YUYV"
    assert v4l2_abi.fourcc_name(v4l2_abi.fourcc_code("Y8")) == "Y8"
