"""Fixtures for the media tests: a real RTSP camera, real storage folders, a running
MediaService on the real bus."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict, Unpack

import pytest

from camera_service.config.model import StorageConfig
from camera_service.events import EventBus
from camera_service.media import MediaService, Storage
from camera_service.models import Notification
from support.fixtures import (  # noqa: F401
    rtsp_auth_server,
    rtsp_auth_server_module,
    rtsp_server,
    rtsp_server_module,
)

from .helpers import Collector, require_ffmpeg, storage_config


@dataclass
class MediaEnv:
    config: StorageConfig
    storage: Storage
    service: MediaService
    bus: EventBus[Notification]
    events: Collector

    @property
    def recordings(self) -> Path:
        return self.config.recordings_dir

    @property
    def snapshots(self) -> Path:
        return self.config.snapshots_dir


class ServiceOptions(TypedDict, total=False):
    """The ``MediaService`` keywords a test may set (``watch_interval`` is always 0.2 here)."""

    start_timeout: float | None
    io_timeout: float


@contextlib.asynccontextmanager
async def make_env(config: StorageConfig, **service_kw: Unpack[ServiceOptions]) -> AsyncIterator[MediaEnv]:
    bus: EventBus[Notification] = EventBus()
    events = Collector(bus)
    async with Storage(config) as storage:
        service = MediaService(
            config, storage, bus, lambda c: c.source_url or "", watch_interval=0.2, **service_kw
        )
        async with service:
            yield MediaEnv(config, storage, service, bus, events)


@pytest.fixture
async def media(tmp_path: Path) -> AsyncIterator[MediaEnv]:
    require_ffmpeg()
    async with make_env(storage_config(tmp_path / "state")) as env:
        yield env
