"""``mediamtx.video_encoder: auto`` as a pure function of what the host probe found."""

from __future__ import annotations

import pytest

from camera_service.mediamtx.encoders import (
    CAP_VIDEO_M2M_MPLANE,
    choose_encoder,
    is_m2m_h264_encoder,
    vainfo_encodes_h264,
)
from camera_service.mediamtx.paths import encoder_args
from camera_service.models import HostEncoders

pytestmark = pytest.mark.unit

FFMPEG_ALL = frozenset({"libx264", "h264_v4l2m2m", "h264_vaapi"})
VAINFO_INTEL = """vainfo: Driver version: Intel iHD driver for Intel(R) Gen Graphics - 23.1.1
      VAProfileH264Main               : VAEntrypointVLD
      VAProfileH264Main               : VAEntrypointEncSliceLP
      VAProfileH264High               : VAEntrypointEncSliceLP
"""
VAINFO_DECODE_ONLY = """      VAProfileH264Main               : VAEntrypointVLD
      VAProfileHEVCMain               : VAEntrypointVLD
"""


def test_m2m_node_with_h264_on_its_capture_queue_is_chosen() -> None:
    host = HostEncoders(m2m_h264=("/dev/video11",), vaapi_h264=("/dev/dri/renderD128",),
                        ffmpeg_encoders=FFMPEG_ALL)
    choice = choose_encoder("auto", host)
    assert choice.encoder == "h264_v4l2m2m" and "/dev/video11" in choice.reason
    assert choice.hardware


def test_vaapi_node_is_chosen_without_an_m2m_encoder() -> None:
    host = HostEncoders(vaapi_h264=("/dev/dri/renderD129",), ffmpeg_encoders=FFMPEG_ALL)
    choice = choose_encoder("auto", host)
    assert (choice.encoder, choice.device) == ("h264_vaapi", "/dev/dri/renderD129")


def test_neither_gives_libx264_with_the_reasons() -> None:
    host = HostEncoders(notes=("no V4L2 M2M H.264 encoder", "no VA-API render node"))
    choice = choose_encoder("auto", host)
    assert choice.encoder == "libx264" and not choice.hardware
    assert "no V4L2 M2M H.264 encoder; no VA-API render node" in choice.reason


def test_an_encoder_ffmpeg_lacks_is_not_chosen() -> None:
    host = HostEncoders(m2m_h264=("/dev/video11",), ffmpeg_encoders=frozenset({"libx264"}))
    choice = choose_encoder("auto", host)
    assert choice.encoder == "libx264" and "no h264_v4l2m2m" in choice.reason


def test_configured_encoder_is_taken_as_it_is() -> None:
    assert choose_encoder("h264_omx", HostEncoders()).encoder == "h264_omx"
    vaapi = choose_encoder("h264_vaapi", HostEncoders(), vaapi_device="/dev/dri/renderD130")
    assert vaapi.device == "/dev/dri/renderD130"


def test_m2m_encoder_and_decoder_are_told_apart() -> None:
    assert is_m2m_h264_encoder(CAP_VIDEO_M2M_MPLANE, ["H264"])  # bcm2835-codec-encode
    assert not is_m2m_h264_encoder(CAP_VIDEO_M2M_MPLANE, ["YU12", "NV12"])  # -decode
    assert not is_m2m_h264_encoder(0x04000001, ["H264"])  # a UVC H.264 camera: no M2M


def test_vainfo_output_is_read() -> None:
    assert vainfo_encodes_h264(VAINFO_INTEL)
    assert not vainfo_encodes_h264(VAINFO_DECODE_ONLY)


def test_vaapi_encoder_uploads_frames_to_its_device() -> None:
    args = encoder_args("h264_vaapi", 15, "/dev/dri/renderD129")
    assert args[:4] == ["-vaapi_device", "/dev/dri/renderD129", "-vf", "format=nv12,hwupload"]
    assert args[args.index("-c:v") + 1] == "h264_vaapi"
