"""Keeping one configured network camera's status current: probe it every
``network_probe_interval`` while it answers, back off exponentially (up to
``network_probe_max_backoff``) while it does not. Status changes go through the ``upsert``
the monitor hands in (which logs them once and updates the registry); reasons are
credential-free."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable

from ..config.model import CamerasConfig
from ..errors import ProbeError
from ..models import Camera, CameraMode, CameraStatus
from . import network, policy
from .registry import CameraRegistry

log = logging.getLogger(__name__)
FPS_TOLERANCE = 0.05  # a live stream's measured rate wobbles: not a change of mode


def same_mode(old: CameraMode | None, new: CameraMode) -> bool:
    return (
        old is not None
        and (old.pixel_format, old.width, old.height) == (new.pixel_format, new.width, new.height)
        and abs(old.fps - new.fps) <= FPS_TOLERANCE * max(old.fps, new.fps, 1.0)
    )


async def watch_network_camera(
    camera_id: str,
    url: str,
    config: CamerasConfig,
    registry: CameraRegistry,
    upsert: Callable[[Camera], object],
) -> None:
    """Runs until cancelled; never raises anything else."""
    failures = 0
    while True:
        camera = registry.find(camera_id)
        if camera is None:
            return  # removed from the registry: nothing left to watch
        try:
            info = await network.probe_rtsp(url, config.probe_timeout)
        except ProbeError as e:
            failures += 1
            upsert(dataclasses.replace(
                camera, status=CameraStatus.DISCONNECTED, reason=network.redact_text(str(e), url)
            ))
        except Exception as e:
            failures += 1
            log.exception("probing %s failed", camera_id,
                          extra={"CAMERA_ID": camera_id, "COMPONENT": "camera_monitor"})
            upsert(dataclasses.replace(
                camera, status=CameraStatus.ERROR, reason=network.redact_text(str(e), url)
            ))
        else:
            failures = 0
            fresh = not same_mode(camera.mode, info.mode)
            upsert(dataclasses.replace(
                camera, status=CameraStatus.CONNECTED, reason="",
                mode=info.mode if fresh else camera.mode,
                capabilities=info.capabilities if fresh else camera.capabilities,
            ))
        await asyncio.sleep(policy.backoff_delay(
            failures, config.network_probe_interval, config.network_probe_max_backoff
        ))
