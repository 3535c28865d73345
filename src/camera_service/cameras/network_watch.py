"""Keeping one configured network camera's status current: probe it every
``network_probe_interval`` while it answers, back off exponentially (up to
``network_probe_max_backoff``) while it does not. Status changes go through the ``upsert``
the monitor hands in (which logs them once and updates the registry); reasons are
credential-free. Streams added at run time are watched with an ``AddressGuard`` and show
operators no more than "unreachable" (see ``watch_network_camera``)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable

from ..config.model import CamerasConfig
from ..errors import ProbeError
from ..models import Camera, CameraMode, CameraStatus
from . import network, policy
from .address_check import AddressGuard
from .registry import CameraRegistry

log = logging.getLogger(__name__)
UNREACHABLE = "unreachable"  # all an operator learns of a failed probe of an added stream
FPS_TOLERANCE = 0.05  # a live stream's measured rate wobbles: not a change of mode


class Refused(Exception):
    """The guard refused the host's address: the text says which rule."""


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
    guard: AddressGuard | None = None,
) -> None:
    """Runs until cancelled; never raises anything else.

    With a ``guard`` (a stream an operator added at run time) the host is checked before
    every probe, and a failed probe shows only ``UNREACHABLE``, after the same time
    (``probe_timeout``) whatever the cause: "connection refused" against "timed out" would
    tell an operator which ports are open. The detail goes to the journal, once per change."""
    failures = 0
    detail = ""  # the last failure logged for a guarded stream
    loop = asyncio.get_running_loop()
    while True:
        camera = registry.find(camera_id)
        if camera is None:
            return  # removed from the registry: nothing left to watch
        started = loop.time()
        try:
            refused = await guard.refusal(url) if guard is not None else None
            if refused is not None:
                raise Refused(refused)
            info = await network.probe_rtsp(url, config.probe_timeout)
        except Refused as e:
            failures += 1
            upsert(dataclasses.replace(camera, status=CameraStatus.DISCONNECTED, reason=str(e)))
        except ProbeError as e:
            failures += 1
            reason = network.redact_text(str(e), url)
            if guard is not None:
                if reason != detail:
                    log.warning("%s unreachable: %s", camera_id, reason,
                                extra={"CAMERA_ID": camera_id, "COMPONENT": "camera_monitor"})
                    detail = reason
                await asyncio.sleep(max(0.0, started + config.probe_timeout - loop.time()))
                reason = UNREACHABLE
            upsert(dataclasses.replace(camera, status=CameraStatus.DISCONNECTED, reason=reason))
        except Exception as e:
            failures += 1
            log.exception("probing %s failed", camera_id,
                          extra={"CAMERA_ID": camera_id, "COMPONENT": "camera_monitor"})
            upsert(dataclasses.replace(
                camera, status=CameraStatus.ERROR,
                reason=UNREACHABLE if guard is not None else network.redact_text(str(e), url),
            ))
        else:
            failures = 0
            detail = ""
            fresh = not same_mode(camera.mode, info.mode)
            upsert(dataclasses.replace(
                camera, status=CameraStatus.CONNECTED, reason="",
                mode=info.mode if fresh else camera.mode,
                capabilities=info.capabilities if fresh else camera.capabilities,
            ))
        await asyncio.sleep(policy.backoff_delay(
            failures, config.network_probe_interval, config.network_probe_max_backoff
        ))
