"""``POST /mediamtx/auth``: MediaMTX's HTTP authentication endpoint (``authMethod: http``).

A thin handler around the pure ``stream_auth.decide``: only loopback peers reach it
(MediaMTX runs beside us; anyone else gets 403), it answers 200 or 401 (401 also makes RTSP
clients send their credentials), logs each decision once per client session (MediaMTX's
``id``) and counts it for ``/metrics``.
"""

from __future__ import annotations

import json
import logging
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field

from aiohttp import web
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric

from ..credentials import InternalCredentials
from ..rpc.context import RpcContext
from ..rpc.metrics import BUCKETS, MethodStats
from .stream_auth import NO_CREDENTIALS, AuthRequest, Decision, decide, is_loopback

log = logging.getLogger(__name__)

PATH = "/mediamtx/auth"
MAX_BODY = 32 * 1024
REMEMBERED_SESSIONS = 4096  # decisions already logged, per session (oldest forgotten first)
PREFIX = "camera_service"


@dataclass
class StreamAuthMetrics:
    """Decisions by (action, result) and the time each took."""

    decisions: dict[tuple[str, str], int] = field(default_factory=dict)
    latency: MethodStats = field(default_factory=MethodStats)
    refused_peers: int = 0

    def observe(self, action: str, allowed: bool, seconds: float) -> None:
        key = (action, "allowed" if allowed else "refused")
        self.decisions[key] = self.decisions.get(key, 0) + 1
        self.latency.observe(seconds, allowed)


class StreamAuthCollector:
    def __init__(self, metrics: StreamAuthMetrics) -> None:
        self._metrics = metrics

    def describe(self) -> list[Metric]:
        return []

    def collect(self) -> Iterator[Metric]:
        m = self._metrics
        decisions = CounterMetricFamily(
            f"{PREFIX}_stream_auth_decisions", "MediaMTX auth requests decided",
            labels=["action", "result"])
        for (action, result), n in sorted(m.decisions.items()):
            decisions.add_metric([action, result], n)
        yield decisions
        latency = HistogramMetricFamily(
            f"{PREFIX}_stream_auth_duration_seconds", "time to decide one MediaMTX auth request")
        cumulative, buckets = 0, []
        for bound, n in zip((*map(str, BUCKETS), "+Inf"), m.latency.buckets, strict=True):
            cumulative += n
            buckets.append((bound, cumulative))
        latency.add_metric([], buckets, m.latency.total_seconds)
        yield latency
        yield CounterMetricFamily(
            f"{PREFIX}_stream_auth_refused_peers", "auth requests from non-loopback peers",
            value=m.refused_peers)


class StreamAuthRoute:
    def __init__(self, ctx: RpcContext, internal: InternalCredentials | None = None) -> None:
        self._ctx = ctx
        self.internal = internal or ctx.internal or InternalCredentials()
        self.metrics = StreamAuthMetrics()
        self._logged: OrderedDict[tuple[str, bool, str], None] = OrderedDict()

    def add_to(self, app: web.Application) -> None:
        app.router.add_post(PATH, self.handle)

    def owns(self, path: str) -> bool:
        ctx = self._ctx
        return any(ctx.stream_name(c.id) == path for c in ctx.cameras.cameras())

    def decide(self, req: AuthRequest) -> Decision:
        return decide(req, self._ctx.authenticator, self.internal, self.owns, self._ctx.clock.time())

    async def handle(self, request: web.Request) -> web.Response:
        if not is_loopback(request.remote):
            self.metrics.refused_peers += 1
            log.warning("refused MediaMTX auth request from %s: not loopback", request.remote,
                        extra={"COMPONENT": "stream_auth", "CLIENT": request.remote})
            raise web.HTTPForbidden(text="loopback only")
        started = time.perf_counter()
        try:
            if request.content_length is not None and request.content_length > MAX_BODY:
                raise ValueError("body too large")
            req = AuthRequest.from_payload(json.loads(await request.read()))
        except (ValueError, UnicodeDecodeError) as e:
            log.warning("unreadable MediaMTX auth request: %s", e,
                        extra={"COMPONENT": "stream_auth"})
            return web.Response(status=401, text="bad request")
        decision = self.decide(req)
        self.metrics.observe(req.action, decision.allowed, time.perf_counter() - started)
        self._log(req, decision)
        return web.Response(status=200 if decision.allowed else 401)

    def _log(self, req: AuthRequest, decision: Decision) -> None:
        key = (req.session, decision.allowed, decision.reason)
        if key in self._logged:
            self._logged.move_to_end(key)
            return
        self._logged[key] = None
        if len(self._logged) > REMEMBERED_SESSIONS:
            self._logged.popitem(last=False)
        extra = {"COMPONENT": "stream_auth", "CLIENT": req.ip, "CAMERA_ID": req.path}
        what = f"{req.action} {req.path!r} over {req.protocol or '?'} from {req.ip or '?'}"
        if decision.allowed:
            log.info("allowed %s: %s (session %s)", what, decision.reason, req.session, extra=extra)
        elif decision.reason == NO_CREDENTIALS:
            log.info("asked %s for credentials (session %s)", what, req.session, extra=extra)
        else:
            log.warning("refused %s: %s (session %s)", what, decision.reason, req.session,
                        extra=extra)
