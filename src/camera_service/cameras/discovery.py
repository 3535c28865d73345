"""RTSP discovery (``ports.StreamDiscovery``): ask the candidates of ``cameras.discovery``
with a real DESCRIBE and remember what answered. It never adds a camera: the user adds
what it found with ``add_external_stream``.

A scan expands the hosts and CIDR ranges (capped at ``max_hosts``), makes the candidate
URLs (``ports`` x ``paths`` for generic RTSP, ``skydio_ports`` x ``skydio_paths`` for
Skydio), and asks them with at most ``concurrency`` DESCRIBEs in flight, each connection
and reply bounded by ``timeout``; the paths of one ``host:port`` are asked one after
another, and not at all once the port proves closed. The whole scan stops at
``scan_timeout`` and reports what it found so far, saying so in ``errors``. A 200 or a 401
("there, needs credentials") counts as found. One scan runs at a time: callers that come
while it runs share it.

As a ``Component`` it also runs the schedule: a scan every ``scan_interval`` seconds
(``set_interval`` changes it at run time; 0 stops it).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections import defaultdict

from ..config.model import DISCOVERY_MAX_INTERVAL, DISCOVERY_MIN_INTERVAL, DiscoveryConfig
from ..errors import InvalidParams, ProbeError
from ..lifecycle import Component
from ..models import Clock
from ..models_streams import DiscoveredStream, DiscoveryScan
from . import rtsp_describe
from .rtsp_wire import Candidate, candidates, expand_hosts, found, sdp_codecs

log = logging.getLogger(__name__)
LOG = {"COMPONENT": "discovery"}
SKYDIO, GENERIC = "skydio", "generic_rtsp"
_STOP_TIMEOUT = 5.0


def check_interval(seconds: int) -> int:
    if seconds != 0 and not DISCOVERY_MIN_INTERVAL <= seconds <= DISCOVERY_MAX_INTERVAL:
        raise InvalidParams("scan_interval", f"'scan_interval' must be 0 (no scheduled scans) "
                            f"or {DISCOVERY_MIN_INTERVAL}..{DISCOVERY_MAX_INTERVAL} seconds")
    return seconds


class StreamDiscovery(Component):
    def __init__(self, config: DiscoveryConfig, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or Clock()
        self.scan_interval = config.scan_interval
        self.last_scan: DiscoveryScan | None = None
        self._known: dict[str, DiscoveredStream] = {}  # url -> what answered there
        self._running: asyncio.Task[DiscoveryScan] | None = None
        self._schedule: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()
        self.scanned = asyncio.Event()  # set once a scan has finished
        self._found_before: set[str] | None = None  # URLs the previous scan found

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        self._schedule = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        tasks = [t for t in (self._schedule, self._running) if t is not None]
        self._schedule = self._running = None
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=_STOP_TIMEOUT)

    # -- ports.StreamDiscovery -------------------------------------------------------------
    async def discover(self, force: bool = False) -> DiscoveryScan:
        """The last scan's result; a new scan when there was none or ``force``."""
        if self.last_scan is not None and not force and self._running is None:
            return self.last_scan
        if self._running is None:
            self._running = asyncio.get_running_loop().create_task(self._scan())
            self._running.add_done_callback(self._scan_done)
        return await asyncio.shield(self._running)

    def known(self) -> list[DiscoveredStream]:
        """Everything any scan found, ``online`` when the last scan found it too."""
        return list(self._known.values())

    def set_interval(self, seconds: int) -> int:
        self.scan_interval = check_interval(seconds)
        self._changed.set()
        log.info("discovery schedule: %s", f"every {seconds} s" if seconds else "off", extra=LOG)
        return self.scan_interval

    # -- the schedule ----------------------------------------------------------------------
    async def _loop(self) -> None:
        while True:
            self._changed.clear()
            interval = self.scan_interval
            if interval <= 0:
                await self._changed.wait()
                continue
            try:  # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancel
                async with asyncio.timeout(interval):
                    await self._changed.wait()
                continue  # the interval changed: start counting again
            except TimeoutError:
                pass
            if not self.config.enabled:
                continue
            try:
                await self.discover(force=True)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("scheduled discovery scan failed", extra=LOG)

    def _scan_done(self, task: asyncio.Task[DiscoveryScan]) -> None:
        if self._running is task:
            self._running = None

    # -- one scan --------------------------------------------------------------------------
    async def _scan(self) -> DiscoveryScan:
        cfg, started, t0 = self.config, self.clock.time(), self.clock.monotonic()
        if not cfg.enabled or not cfg.hosts:
            scan = DiscoveryScan((), started, 0.0, 0, (
                "discovery is off: set cameras.discovery.enabled and cameras.discovery.hosts",))
            self.last_scan = scan
            return scan
        hosts, errors = expand_hosts(cfg.hosts, cfg.max_hosts)
        todo = candidates(hosts, [(GENERIC, cfg.ports, cfg.paths),
                                  (SKYDIO, cfg.skydio_ports, cfg.skydio_paths)])
        by_endpoint: dict[tuple[str, int], list[Candidate]] = defaultdict(list)
        for c in todo:
            by_endpoint[(c.host, c.port)].append(c)
        gate = asyncio.Semaphore(cfg.concurrency)
        hits: list[DiscoveredStream] = []
        asked = [0]
        tasks = [asyncio.ensure_future(self._endpoint(group, gate, hits, asked))
                 for group in by_endpoint.values()]
        if tasks:
            done, pending = await asyncio.wait(tasks, timeout=cfg.scan_timeout)
            for task in done:
                if not task.cancelled() and (e := task.exception()) is not None:
                    log.error("discovery: probing failed: %s", e, exc_info=e, extra=LOG)
                    errors.append(f"probing failed: {e}")
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=_STOP_TIMEOUT)
                errors.append(f"scan stopped at its time bound of {cfg.scan_timeout:g} s: "
                              f"{asked[0]} of {len(todo)} candidate URLs asked")
        scan = DiscoveryScan(tuple(self._remember(hits)), started,
                             self.clock.monotonic() - t0, asked[0], tuple(errors))
        self.last_scan = scan
        self.scanned.set()
        found_now = {st.url for st in scan.streams}
        changed = found_now != self._found_before
        self._found_before = found_now
        log.log(logging.INFO if changed else logging.DEBUG,  # changes of state, not repetitions
                "discovery scan: %d stream(s) found at %d candidate URL(s) in %.1f s",
                len(scan.streams), scan.probed, scan.duration, extra=LOG)
        return scan

    async def _endpoint(self, group: list[Candidate], gate: asyncio.Semaphore,
                        hits: list[DiscoveredStream], asked: list[int]) -> None:
        for c in group:
            async with gate:
                asked[0] += 1
                try:
                    answer = await rtsp_describe.describe(c.host, c.port, c.url, self.config.timeout)
                except ProbeError as e:  # closed, silent or not RTSP: the other paths too
                    log.debug("discovery: %s", e, extra=LOG)
                    return
            if found(answer.reply):
                now = self.clock.time()
                hits.append(DiscoveredStream(
                    url=c.url, type=c.kind, name=f"{'Skydio' if c.kind == SKYDIO else 'RTSP'} "
                    f"stream at {c.host}:{c.port}{c.path}", discovered_at=now, last_seen=now,
                    needs_auth=answer.reply.status == 401,
                    server=answer.reply.headers.get("server", "")[:100],
                    codecs=sdp_codecs(answer.body),
                ))

    def _remember(self, hits: list[DiscoveredStream]) -> list[DiscoveredStream]:
        fresh = {h.url: h for h in hits}
        for url, known in list(self._known.items()):
            if url not in fresh:
                self._known[url] = dataclasses.replace(known, online=False)
        for url, hit in fresh.items():
            before = self._known.get(url)
            if before is not None:
                hit = dataclasses.replace(hit, discovered_at=before.discovered_at)
            self._known[url] = hit
        return [self._known[url] for url in fresh]
