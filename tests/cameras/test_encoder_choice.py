"""``mediamtx.video_encoder`` resolved at start-up, with the real host probe."""

from __future__ import annotations

import pytest

from camera_service.cameras import encoder_choice, hw_encoders
from camera_service.config.model import MediaMTXConfig
from camera_service.models import EncoderChoice


@pytest.mark.integration
async def test_a_configured_encoder_is_kept_without_probing() -> None:
    resolved, choice = await encoder_choice.resolve(MediaMTXConfig(video_encoder="h264_omx"))
    assert resolved.video_encoder == "h264_omx" and choice.reason.startswith("configured")


@pytest.mark.integration
async def test_the_host_probe_is_bounded_and_explains_itself() -> None:
    host = await hw_encoders.probe(limit=10)
    assert host.notes or host.m2m_h264 or host.vaapi_h264  # always says what it found
    resolved, choice = await encoder_choice.resolve(MediaMTXConfig(), limit=10)
    assert resolved.video_encoder == choice.encoder != "auto"


@pytest.mark.unit
def test_the_choice_is_shown_with_its_reason() -> None:
    shown = encoder_choice.describe(EncoderChoice("h264_v4l2m2m", "V4L2 M2M H.264 at /dev/video11"))
    assert shown == {"encoder": "h264_v4l2m2m", "hardware": True,
                     "reason": "V4L2 M2M H.264 at /dev/video11"}
    assert encoder_choice.describe(None) is None
