"""RTSP discovery against real sockets on loopback only: the GStreamer RTSP test camera
among closed ports is found (with its codec) within the scan's time bound and the closed
ports give nothing; a server answering 401 counts as found, needing credentials; one that
speaks something else, or accepts and never answers, gives nothing and holds the scan no
longer than its bounds. Every address asked is 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from camera_service.cameras.discovery import StreamDiscovery
from camera_service.cameras.rtsp_describe import Unreachable, describe
from camera_service.config.model import DiscoveryConfig
from camera_service.errors import InvalidParams, ProbeError
from support.rtsp_server import RtspTestServer, free_port

pytestmark = pytest.mark.integration

TIMEOUT = 5.0
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def serve(handler: Handler) -> tuple[asyncio.Server, int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    return server, int(server.sockets[0].getsockname()[1])


async def answer_401(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b'RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nWWW-Authenticate: Basic realm="c"\r\n'
                 b"Server: TestCam/1.0\r\n\r\n")
    await writer.drain()
    writer.close()


async def answer_http(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    await writer.drain()
    writer.close()


async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Reads until the client gives up and closes (bounded, so no handler outlives a test)."""
    try:
        async with asyncio.timeout(TIMEOUT * 3):
            while await reader.read(1024):
                pass
    finally:
        writer.close()


@pytest.fixture
async def scan_of() -> AsyncIterator[Callable[[DiscoveryConfig], Awaitable[StreamDiscovery]]]:
    running: list[StreamDiscovery] = []

    async def make(config: DiscoveryConfig) -> StreamDiscovery:
        discovery = StreamDiscovery(config)
        await discovery.start()
        running.append(discovery)
        return discovery

    yield make
    for d in running:
        await d.stop()


def loopback(*ports: int, **kw: object) -> DiscoveryConfig:
    return DiscoveryConfig(enabled=True, hosts=("127.0.0.1",), ports=ports, paths=("/cam0",),
                           skydio_ports=(), skydio_paths=(), **kw)  # type: ignore[arg-type]


async def test_the_rtsp_camera_is_found_among_closed_ports_within_the_time_bound(
    rtsp_server: RtspTestServer, scan_of: Callable[[DiscoveryConfig], Awaitable[StreamDiscovery]]
) -> None:
    closed = [free_port() for _ in range(4)]
    config = loopback(closed[0], closed[1], rtsp_server.port, closed[2], closed[3],
                      timeout=2.0, scan_timeout=10.0)
    discovery = await scan_of(config)
    started = time.monotonic()
    scan = await discovery.discover()
    assert time.monotonic() - started < config.scan_timeout
    assert [s.url for s in scan.streams] == [rtsp_server.url]
    [found] = scan.streams
    assert found.online and not found.needs_auth and found.codecs == ("H264",)
    assert found.type == "generic_rtsp" and scan.errors == () and scan.probed == 5
    assert await discovery.discover() is scan  # cached until a forced rescan


async def test_a_stream_that_went_away_is_remembered_as_offline(
    rtsp_server: RtspTestServer, scan_of: Callable[[DiscoveryConfig], Awaitable[StreamDiscovery]]
) -> None:
    discovery = await scan_of(loopback(rtsp_server.port))
    first = await discovery.discover()
    await asyncio.to_thread(rtsp_server.stop)
    second = await discovery.discover(force=True)
    assert second is not first and second.streams == ()
    [known] = discovery.known()
    assert known.url == rtsp_server.url and not known.online
    assert known.discovered_at == first.streams[0].discovered_at


async def test_a_401_answer_is_found_needing_credentials(
    scan_of: Callable[[DiscoveryConfig], Awaitable[StreamDiscovery]]
) -> None:
    server, port = await serve(answer_401)
    async with server:
        scan = await (await scan_of(loopback(port))).discover()
    [found] = scan.streams
    assert found.needs_auth and found.server == "TestCam/1.0"


async def test_a_server_that_is_not_rtsp_gives_nothing(
    scan_of: Callable[[DiscoveryConfig], Awaitable[StreamDiscovery]]
) -> None:
    server, port = await serve(answer_http)
    async with server:
        with pytest.raises(ProbeError, match="not an RTSP status line"):
            await describe("127.0.0.1", port, f"rtsp://127.0.0.1:{port}/x", TIMEOUT)
        scan = await (await scan_of(loopback(port))).discover()
    assert scan.streams == ()


async def test_a_silent_server_costs_one_reply_timeout_and_a_closed_port_fails_at_once() -> None:
    server, port = await serve(never_answer)
    async with server:
        started = time.monotonic()
        with pytest.raises(Unreachable, match=r"no RTSP reply within 0\.5 s"):
            await describe("127.0.0.1", port, f"rtsp://127.0.0.1:{port}/x", 0.5)
        assert time.monotonic() - started < TIMEOUT
    closed = free_port()
    with pytest.raises(Unreachable):
        await describe("127.0.0.1", closed, f"rtsp://127.0.0.1:{closed}/x", TIMEOUT)


async def test_the_whole_scan_stops_at_its_time_bound_and_says_so(
    scan_of: Callable[[DiscoveryConfig], Awaitable[StreamDiscovery]]
) -> None:
    servers = [await serve(never_answer) for _ in range(3)]
    config = loopback(*(p for _, p in servers), timeout=30.0, scan_timeout=0.5, concurrency=1)
    started = time.monotonic()
    scan = await (await scan_of(config)).discover()
    assert time.monotonic() - started < TIMEOUT
    assert scan.streams == () and len(scan.errors) == 1
    assert "time bound of 0.5 s" in scan.errors[0] and scan.probed < 3
    for server, _ in servers:
        server.close()
        await server.wait_closed()


async def test_disabled_discovery_scans_nothing_and_says_why(
    scan_of: Callable[[DiscoveryConfig], Awaitable[StreamDiscovery]]
) -> None:
    scan = await (await scan_of(DiscoveryConfig())).discover(force=True)
    assert scan.streams == () and scan.probed == 0
    assert "cameras.discovery.enabled" in scan.errors[0]


async def test_the_schedule_scans_on_its_own_and_stops_when_set_to_zero(
    rtsp_server: RtspTestServer, scan_of: Callable[[DiscoveryConfig], Awaitable[StreamDiscovery]]
) -> None:
    discovery = await scan_of(loopback(rtsp_server.port))
    assert discovery.last_scan is None
    with pytest.raises(InvalidParams, match="scan_interval"):
        discovery.set_interval(2)
    discovery.set_interval(5)
    async with asyncio.timeout(5 * 3 + TIMEOUT):
        await discovery.scanned.wait()
    assert discovery.last_scan is not None
    assert [s.url for s in discovery.last_scan.streams] == [rtsp_server.url]
    discovery.set_interval(0)
    assert discovery.scan_interval == 0
