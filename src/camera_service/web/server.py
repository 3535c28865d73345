"""The API's one HTTP server (aiohttp): ``/ws``, ``/health``, ``/metrics``, ``/files``, the
web console at ``/`` (``console.py``) and ``/mediamtx/auth`` (MediaMTX's stream
authentication, loopback only: ``stream_auth_route``).

``/health`` answers 200 while the API serves (liveness) and 503 while it is starting or
stopping; its body tells readiness: ``status`` is ``ok`` when every component is healthy,
``degraded`` otherwise, with each component's state. ``/health/ready`` answers 200 only when
every component (mediamtx, camera_monitor, api, ...) is healthy, else 503.

Shutdown is a sequence: stop accepting (new upgrades get 503) → close every WebSocket with
1001 → wait for their handlers, all bounded by ``server.shutdown_timeout``.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import ssl
from collections.abc import Callable, Sequence

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ..config.model import AuthConfig, ServerConfig
from ..errors import ConfigError, ServiceStartError
from ..events import EventBus
from ..lifecycle import Component
from ..links import public_base
from ..models import ComponentHealth, Notification
from ..rpc import protocol
from ..rpc.context import RpcContext
from ..rpc.methods import Dispatcher
from ..rpc.note_links import linked_file, with_links
from ..rpc.ratelimit import TokenBucket
from ..rpc.session import Session
from ..waits import bounded
from .admission import CLOSE_EVICTED, Admission, Limits
from .connection import Connection
from .console import ConsoleRoutes
from .event_files import EventFileRoutes
from .files import FileRoutes
from .frames import text_frame
from .hosts import host_check, origin_of
from .http_quiet import ClientErrorLogger, hide_version, server_header
from .metrics import make_registry
from .security import origin_allowed
from .stream_auth_route import StreamAuthCollector, StreamAuthRoute

log = logging.getLogger(__name__)


def _ssl_context(s: ServerConfig) -> ssl.SSLContext | None:
    if s.tls_cert is None or s.tls_key is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(s.tls_cert, s.tls_key)
    except (OSError, ssl.SSLError) as e:
        raise ConfigError([("server.tls_cert", f"cannot load certificate/key: {e}")]) from None
    return context


def admission_limits(s: ServerConfig) -> Limits:
    return Limits(
        max_authenticated=s.max_connections,
        max_unauthenticated=s.unauthenticated_max_connections,
        per_address=s.unauthenticated_per_address,
        max_messages=s.unauthenticated_max_messages,
        max_message_size=min(s.unauthenticated_max_message_size, s.max_message_size),
    )


class ApiServer(Component):
    """``async with ApiServer(server, auth, ctx, bus) as api:`` serves until exit;
    ``api.port`` is the bound port (``server.port`` may be 0). ``on_listening`` is called
    once the socket listens; ``listening`` is an ``asyncio.Event`` set then too."""

    def __init__(
        self,
        server: ServerConfig,
        auth: AuthConfig,
        ctx: RpcContext,
        bus: EventBus[Notification],
        on_listening: Callable[[], None] | None = None,
        collectors: Sequence[object] = (),
    ) -> None:
        self.ctx = ctx
        self.config = server
        if auth != ctx.authenticator.config:
            ctx.authenticator.reload(auth)
        self._bus = bus
        self._on_listening = on_listening
        self._dispatcher = Dispatcher(ctx)
        self._connections: set[Connection] = set()
        self._admission: Admission[Connection] = Admission(admission_limits(server))
        self._runner: web.AppRunner | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._serving = False
        self._state = "starting"
        self.listening = asyncio.Event()
        self.port = 0
        self._registry = make_registry(ctx, lambda: len(self._connections))
        self.stream_auth = StreamAuthRoute(ctx)
        self._registry.register(StreamAuthCollector(self.stream_auth.metrics))  # type: ignore[arg-type]
        for collector in collectors:  # other components' numbers (e.g. the MQTT integration's)
            self._registry.register(collector)  # type: ignore[arg-type]
        ctx.api_health = self.health
        ctx.sessions = lambda: [c.session for c in self._connections]

    # -- lifecycle --------------------------------------------------------------------------
    def _app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024, middlewares=[host_check(lambda: self.config)])
        app.on_response_prepare.append(server_header)
        app.router.add_get("/ws", self._ws)
        app.router.add_get("/health", self._health)
        app.router.add_get("/health/ready", self._ready)
        app.router.add_get("/metrics", self._metrics)
        FileRoutes(self.ctx, lambda: self.config.allowed_origins).add_to(app)
        EventFileRoutes(self.ctx, lambda: self.config.allowed_origins).add_to(app)
        ConsoleRoutes(self.ctx).add_to(app)
        self.stream_auth.add_to(app)
        return app

    async def start(self) -> None:
        ssl_context = _ssl_context(self.config)
        hide_version()
        self._runner = web.AppRunner(
            self._app(), access_log=None, handle_signals=False,
            logger=ClientErrorLogger(logging.getLogger("aiohttp.server")),
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port, ssl_context=ssl_context)
        try:
            await site.start()
        except OSError as e:
            await self._runner.cleanup()
            where = f"cannot listen on {self.config.host}:{self.config.port}: {e.strerror}"
            if e.errno == errno.EADDRINUSE:
                # another process holds the port: may pass, so not a configuration error
                # (exit 1 and systemd's Restart=on-failure tries again)
                raise ServiceStartError(where) from None
            raise ConfigError([("server.port", where)]) from None
        self.port = int(self._runner.addresses[0][1])
        tls = ssl_context is not None
        self.ctx.public_base = public_base(self.config.public_url, self.config.public_host, tls, self.port)
        self._unsubscribe = self._bus.subscribe(self._on_notification)
        self._serving, self._state = True, "serving"
        scheme = "wss" if ssl_context else "ws"
        log.info("API listening on %s://%s:%d/ws", scheme, self.config.host, self.port)
        log.info("download links on %s/files/ (valid %d s)", self.ctx.public_base, self.config.link_ttl)
        log.info("web console on %s://%s:%d/", "https" if ssl_context else "http", self.config.host,
                 self.port)
        self.listening.set()
        if self._on_listening is not None:
            self._on_listening()

    async def stop(self) -> None:
        if self._runner is None:
            return
        self._serving, self._state = False, "stopping"
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        timeout = self.config.shutdown_timeout
        closing = [c.close(1001, "server shutting down") for c in list(self._connections)]
        if closing:
            try:
                await bounded(asyncio.gather(*closing, return_exceptions=True), max(timeout, 0.1))
            except TimeoutError:
                log.warning("clients not closed within %.1fs", timeout)
        runner, self._runner = self._runner, None
        try:
            await bounded(runner.cleanup(), max(timeout, 0.1))
        except TimeoutError:
            log.warning("API server shutdown timed out after %.1fs", timeout)
        self._state = "stopped"
        log.info("API stopped")

    def reload(self, server: ServerConfig, auth: AuthConfig) -> None:
        """SIGHUP: re-read the JWT secret and the API key file; origin list, limits and
        queue sizes apply to new connections (host, port and TLS need a restart)."""
        self.ctx.authenticator.reload(auth)
        if (server.host, server.port, server.tls_cert, server.tls_key) != (
            self.config.host,
            self.config.port,
            self.config.tls_cert,
            self.config.tls_key,
        ):
            log.warning("server address or TLS changed: restart the service to apply it")
        self.config = server
        self._admission.limits = admission_limits(server)

    # -- state ------------------------------------------------------------------------------
    @property
    def connections(self) -> int:
        return len(self._connections)

    @property
    def admission(self) -> Admission[Connection]:
        """Connections counted by state (authenticated or not) and peer address."""
        return self._admission

    def health(self) -> ComponentHealth:
        return ComponentHealth("api", self._serving, self._state, f"{len(self._connections)} connection(s)")

    # -- notifications ----------------------------------------------------------------------
    def _on_notification(self, note: Notification) -> None:
        text: str | None = None
        frame = b""
        now = self.ctx.clock.time()
        auth = self.ctx.authenticator
        linked = linked_file(note) is not None
        sent = 0
        for conn in list(self._connections):
            session = conn.session
            if not session.wants(note):
                continue
            if session.principal is not None and not auth.valid(session.principal, now):
                continue  # expired token or revoked key: no more notifications
            if linked:  # links made for this recipient (rpc.note_links), never shared
                own = protocol.encode({"jsonrpc": "2.0", "method": note.method,
                                       "params": with_links(note, self.ctx.file_links())})
                if conn.push(own, text_frame(own)):
                    sent += 1
                continue
            if text is None:
                text = protocol.encode({"jsonrpc": "2.0", "method": note.method, "params": note.params})
                frame = text_frame(text)
            if conn.push(text, frame):
                sent += 1
        self.ctx.metrics.notifications_sent += sent

    # -- routes -----------------------------------------------------------------------------
    async def _ws(self, request: web.Request) -> web.StreamResponse:
        if not self._serving:
            raise web.HTTPServiceUnavailable(text="shutting down")
        origin = request.headers.get("Origin")
        own = (origin_of(self.config.public_url),)
        if not origin_allowed(origin, request.host, self.config.allowed_origins, request.scheme, own):
            log.warning("refused WebSocket from origin %s", origin)
            raise web.HTTPForbidden(text="origin not allowed")
        ws = web.WebSocketResponse(
            autoping=False,
            compress=False,
            max_msg_size=self.config.max_message_size,
            timeout=2.0,
        )
        if not ws.can_prepare(request).ok:
            raise web.HTTPBadRequest(text="expected a WebSocket upgrade")
        clock = self.ctx.clock
        rate = self.config.rate_limit  # 0: no limit, so no bucket at all
        bucket = TokenBucket(rate, self.config.rate_burst, clock.monotonic()) if rate > 0 else None
        session = Session(bucket)
        conn = Connection(request, ws, self._dispatcher, session, self.config, self.ctx.metrics,
                          self._admission)
        evict = self._admission.admit(conn, request.remote)
        if evict is None:
            self.ctx.metrics.rejected_connections += 1
            raise web.HTTPServiceUnavailable(text="too many connections", headers={"Retry-After": "5"})
        for old in evict:
            old.drop(*CLOSE_EVICTED)
        self._connections.add(conn)
        self.ctx.metrics.total_connections += 1
        self.ctx.metrics.active_connections = len(self._connections)
        log.debug("client %s connected (%d open)", conn.peer, len(self._connections),
                  extra={"COMPONENT": "api", "CLIENT": conn.peer})
        try:
            await ws.prepare(request)
            await conn.run()
        finally:
            self._connections.discard(conn)
            self._admission.remove(conn)
            self.ctx.metrics.active_connections = len(self._connections)
            log.debug("client %s gone (%s %s)", conn.peer, ws.close_code, conn.close_reason,
                      extra={"COMPONENT": "api", "CLIENT": conn.peer})
        return ws

    def _health_body(self) -> tuple[dict[str, object], bool]:
        components = {
            name: {"healthy": h.healthy, "state": h.state, "detail": h.detail}
            for name, h in self.ctx.components().items()
        }
        ready = all(c["healthy"] for c in components.values())
        status = "ok" if ready else ("degraded" if self._serving else self._state)
        body: dict[str, object] = {
            "status": status,
            "live": True,
            "ready": ready,
            "version": self.ctx.version,
            "uptime": round(self.ctx.uptime(), 3),
            "components": components,
        }
        if self.ctx.video_encoder:
            body["video_encoder"] = dict(self.ctx.video_encoder)
        return body, ready

    async def _health(self, request: web.Request) -> web.Response:
        body, _ = self._health_body()
        return web.json_response(body, status=200 if self._serving else 503, dumps=json.dumps)

    async def _ready(self, request: web.Request) -> web.Response:
        body, ready = self._health_body()
        return web.json_response(body, status=200 if ready and self._serving else 503)

    async def _metrics(self, request: web.Request) -> web.Response:
        data = generate_latest(self._registry)
        return web.Response(body=data, headers={"Content-Type": CONTENT_TYPE_LATEST})
