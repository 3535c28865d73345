"""The cameras that come from the configuration rather than from udev: the test pattern and
the network cameras. The monitor adds them at start-up (moved out of ``monitor.py``, which
keeps to the udev side)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import urlsplit

from ..config.model import CamerasConfig, NetworkCameraConfig
from ..models import Camera, CameraEvent, CameraKind, CameraStatus
from . import network, policy
from .identity import TEST_PATTERN_IDENTITY, IdentityStore, network_identity
from .network_watch import watch_network_camera
from .registry import CameraRegistry

Upsert = Callable[[Camera], CameraEvent | None]


async def add_test_pattern(config: CamerasConfig, identities: IdentityStore,
                           registry: CameraRegistry, upsert: Upsert) -> None:
    """The test pattern, when configured (``"auto"``: only when no USB or CSI camera is
    present)."""
    tp = config.test_pattern
    if tp.enabled is True:
        pass
    elif tp.enabled == "auto":
        if any(c.kind in (CameraKind.USB, CameraKind.CSI)
               for c in registry.cameras() if c.device_node):
            return
    else:
        return
    camera_id = await identities.assign(TEST_PATTERN_IDENTITY)
    mode, caps = policy.pattern_mode(tp.width, tp.height, tp.fps)
    upsert(Camera(
        id=camera_id,
        kind=CameraKind.TEST_PATTERN,
        name=config.names.get(camera_id, "Test pattern"),
        status=CameraStatus.CONNECTED,
        mode=mode,
        capabilities=caps,
        identity=TEST_PATTERN_IDENTITY,
    ))


async def start_network(cfg: NetworkCameraConfig, config: CamerasConfig,
                        identities: IdentityStore, registry: CameraRegistry,
                        upsert: Upsert) -> asyncio.Task[None]:
    """Register a network camera (``DISCONNECTED`` until probed) and start the task that
    probes it; the caller cancels the task."""
    safe_url = network.redact_url(cfg.url)
    identity = network_identity(safe_url, cfg.id)
    camera_id = await identities.assign(identity)
    host = urlsplit(safe_url).hostname or ""
    camera = registry.find(camera_id) or Camera(
        id=camera_id,
        kind=CameraKind.NETWORK,
        name=policy.network_name(camera_id, config.names, cfg.name, host),
        status=CameraStatus.DISCONNECTED,
        reason="not probed yet",
        identity=identity,
        source_url=cfg.url,
    )
    upsert(camera)
    return asyncio.get_running_loop().create_task(
        watch_network_camera(camera_id, cfg.url, config, registry, upsert)
    )
