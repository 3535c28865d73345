"""A real API stack for the web, client and bench tests: the real camera registry, real
storage folders under a temp dir, the real MediaMTX stream service pointed at a closed port
(so MediaMTX is really unreachable, as on this machine), the real bus and notifier, and the
real ``ApiServer`` on port 0."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import websockets

from camera_service.cameras.registry import CameraRegistry
from camera_service.config.model import (
    AuthConfig,
    Config,
    MediaMTXConfig,
    ServerConfig,
    StorageConfig,
)
from camera_service.credentials import InternalCredentials
from camera_service.events import EventBus
from camera_service.media import Storage
from camera_service.mediamtx.client import MediaMTXClient
from camera_service.mediamtx.service import StreamService
from camera_service.models import (
    Camera,
    CameraKind,
    CameraMode,
    CameraStatus,
    Clock,
    Notification,
)
from camera_service.rpc import Role, RpcContext
from camera_service.rpc.camera_notifier import CameraNotifier
from camera_service.web import ApiServer

TIMEOUT = 5.0  # the one time unit of these tests: every wait is bounded by a multiple of it
SECRET = "test-secret-0123456789abcdef-0123456789"


class SteppedClock(Clock):
    """Real time plus an offset the test moves forward (token expiry, rate refill)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def advance(self, seconds: float) -> None:
        self.offset += seconds

    def time(self) -> float:
        return super().time() + self.offset

    def monotonic(self) -> float:
        return super().monotonic() + self.offset


def closed_port() -> int:
    """A loopback port with nothing listening (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_config(tmp: Path, api_key_file: Path | None = None, **server: Any) -> Config:
    storage = StorageConfig(
        state_dir=tmp,
        snapshots_dir=tmp / "snapshots",
        recordings_dir=tmp / "recordings",
        min_free_mb=0,
    )
    return Config(
        server=ServerConfig(**{"host": "127.0.0.1", "port": 0, **server}),
        auth=AuthConfig(jwt_secret=SECRET, api_key_file=api_key_file),
        mediamtx=MediaMTXConfig(
            api_url=f"http://127.0.0.1:{closed_port()}", request_timeout=1.0, health_interval=0.5
        ),
        storage=storage,
    )


def usb_camera(n: int = 0, status: CameraStatus = CameraStatus.CONNECTED) -> Camera:
    return Camera(
        id=f"camera{n}",
        kind=CameraKind.USB,
        name=f"USB camera {n}",
        status=status,
        mode=CameraMode("MJPG", 1280, 720, 30.0),
        identity=f"usb-serial-{n}",
        device_node=f"/dev/video{2 * n}",
    )


@dataclasses.dataclass
class Stack:
    config: Config
    ctx: RpcContext
    server: ApiServer
    registry: CameraRegistry
    bus: EventBus[Notification]
    storage: Storage

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.server.port}/ws"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def token(self, role: str = "admin", expires_in: float | None = None, user: str = "t") -> str:
        return self.ctx.authenticator.mint(user, Role.parse(role), expires_in)


@contextlib.asynccontextmanager
async def api_stack(
    tmp: Path,
    *,
    with_streams: bool = True,
    api_key_file: Path | None = None,
    clock: Clock | None = None,
    internal: InternalCredentials | None = None,
    **server: Any,
) -> AsyncIterator[Stack]:
    config = make_config(tmp, api_key_file, **server)
    registry = CameraRegistry()
    bus: EventBus[Notification] = EventBus()
    async with contextlib.AsyncExitStack() as stack:
        storage = await stack.enter_async_context(Storage(config.storage))
        streams = None
        if with_streams:
            session = await stack.enter_async_context(aiohttp.ClientSession())
            client = MediaMTXClient(session, config.mediamtx.api_url, timeout=1.0)
            streams = await stack.enter_async_context(
                StreamService(client, registry, config.mediamtx, config.server.public_host)
            )
        ctx = RpcContext(
            cameras=registry, config=config, streams=streams, files=storage, clock=clock or Clock(),
            internal=internal,
        )
        api = await stack.enter_async_context(ApiServer(config.server, config.auth, ctx, bus))
        await stack.enter_async_context(CameraNotifier(registry, ctx, bus))
        yield Stack(config, ctx, api, registry, bus, storage)


async def connect(url: str, **kwargs: Any) -> Any:
    kwargs.setdefault("compression", None)
    kwargs.setdefault("open_timeout", TIMEOUT)
    # websockets exports connect lazily, which mypy cannot see
    return await asyncio.wait_for(websockets.connect(url, **kwargs), TIMEOUT)  # type: ignore[attr-defined]


async def exchange(ws: Any, frame: str | bytes) -> Any:
    """Send one frame and return the decoded reply."""
    await ws.send(frame)
    return json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))


async def call(ws: Any, method: str, params: Any = None, id_: Any = 1) -> Any:
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "id": id_}
    if params is not None:
        message["params"] = params
    return await exchange(ws, json.dumps(message))


async def authed(stack: Stack, role: str = "admin", **kwargs: Any) -> Any:
    ws = await connect(stack.url, **kwargs)
    reply = await call(ws, "authenticate", {"auth_token": stack.token(role)})
    assert reply["result"]["authenticated"] is True, reply
    return ws


async def eventually(predicate: Any, what: str, within: float = TIMEOUT) -> None:
    """Poll a condition with a bounded deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)
