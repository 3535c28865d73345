"""``mediamtx.video_encoder`` resolved once at start-up: ``auto`` becomes the encoder the
host has (``cameras.hw_encoders.probe`` → ``mediamtx.encoders.choose_encoder``), logged
once with the reason; the stream service then gets a configuration naming that encoder."""

from __future__ import annotations

import dataclasses
import logging

from ..config.model import MediaMTXConfig
from ..mediamtx.encoders import AUTO, choose_encoder
from ..models import EncoderChoice, HostEncoders
from . import hw_encoders

log = logging.getLogger(__name__)
PROBE_TIMEOUT = 5.0


async def resolve(cfg: MediaMTXConfig, limit: float = PROBE_TIMEOUT
                  ) -> tuple[MediaMTXConfig, EncoderChoice]:
    wants_probe = cfg.video_encoder == AUTO or (cfg.video_encoder == "h264_vaapi"
                                               and not cfg.vaapi_device)
    host = await hw_encoders.probe(limit) if wants_probe else HostEncoders()
    choice = choose_encoder(cfg.video_encoder, host, cfg.vaapi_device)
    log.info("video encoder %s: %s", choice.encoder, choice.reason,
             extra={"COMPONENT": "encoders"})
    resolved = dataclasses.replace(cfg, video_encoder=choice.encoder,
                                   vaapi_device=choice.device or cfg.vaapi_device)
    return resolved, choice


def describe(choice: EncoderChoice | None) -> dict[str, object] | None:
    """The choice as ``get_server_info`` and ``/health`` show it."""
    if choice is None:
        return None
    return {"encoder": choice.encoder, "hardware": choice.hardware, "reason": choice.reason}
