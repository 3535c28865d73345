"""The web console: ``GET /`` and ``GET /console/{name}``, static files shipped in the package.

The files (``web/console/``: ``index.html``, ES modules, ``style.css``) are read once, off the
loop, on the first request and kept in memory with a strong ``ETag`` (a SHA-256 prefix of
their bytes). Every answer carries ``Cache-Control: no-cache`` (the browser keeps the file and
revalidates it; a matching ``If-None-Match`` gets ``304`` with no body), so an upgraded
package is picked up at the next load without hashed file names or a build step.

Every answer also carries the console's ``Content-Security-Policy`` (``console_csp``): scripts
only from this origin (no inline script, no inline handlers, no ``eval``), connections only
to this origin (HTTP and its WebSocket) and to MediaMTX's WebRTC and HLS ports on the public
host, media and images from this origin and ``blob:``. The console needs no other origin.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from ..config.model import Config
from ..rpc.context import RpcContext

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).with_name("console")
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str
    etag: str


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def console_csp(config: Config, request_host: str | None) -> str:
    """Pure: the policy for a page served to ``request_host`` (the ``Host`` header)."""
    m = config.mediamtx
    media_hosts = {_host(config.server.public_host)}
    if request_host:  # the host the browser used, without its port
        media_hosts.add(request_host.rsplit(":", 1)[0] if not request_host.endswith("]")
                        else request_host)
    api = f"{_host(config.server.public_host)}:{config.server.port}"
    sockets = ["'self'", f"http://{api}", f"https://{api}"]  # absolute (signed) file links
    if request_host:
        sockets += [f"ws://{request_host}", f"wss://{request_host}"]
    for h in sorted(media_hosts):
        for port in (m.webrtc_port, m.hls_port):
            sockets += [f"http://{h}:{port}", f"https://{h}:{port}"]
    return "; ".join((
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        f"img-src 'self' blob: data: http://{api} https://{api}",
        "media-src 'self' blob: " + " ".join(s for s in sockets if s.startswith("http")),
        "connect-src " + " ".join(sockets),
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


def load_assets(folder: Path = STATIC_DIR) -> dict[str, Asset]:
    """Blocking: every file of the console folder by its relative path (``js/app.js``)."""
    assets: dict[str, Asset] = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix not in TYPES:
            continue
        body = path.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        assets[path.relative_to(folder).as_posix()] = Asset(body, TYPES[path.suffix], etag)
    return assets


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Pure: whether ``If-None-Match`` names ``etag`` (or is ``*``); weak tags compare too."""
    if not if_none_match:
        return False
    tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
    return "*" in tags or etag in tags


class ConsoleRoutes:
    def __init__(self, ctx: RpcContext, folder: Path = STATIC_DIR) -> None:
        self._ctx = ctx
        self._folder = folder
        self._assets: dict[str, Asset] | None = None
        self._lock = asyncio.Lock()

    def add_to(self, app: web.Application) -> None:
        app.router.add_get("/", self._index)
        app.router.add_get("/console/{name:.+}", self._file)

    async def assets(self) -> dict[str, Asset]:
        async with self._lock:
            if self._assets is None:
                loop = asyncio.get_running_loop()
                self._assets = await loop.run_in_executor(None, load_assets, self._folder)
                if "index.html" not in self._assets:
                    log.error("web console files missing in %s: / answers 404", self._folder)
            return self._assets

    def _headers(self, request: web.Request, asset: Asset) -> dict[str, str]:
        return {
            "ETag": asset.etag,
            "Cache-Control": "no-cache",
            "Content-Security-Policy": console_csp(self._ctx.config, request.host),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        }

    async def _serve(self, request: web.Request, name: str) -> web.Response:
        asset = (await self.assets()).get(name)
        if asset is None:
            raise web.HTTPNotFound(text=f"no such console file: {name}")
        headers = self._headers(request, asset)
        if etag_matches(request.headers.get("If-None-Match"), asset.etag):
            return web.Response(status=304, headers=headers)
        headers["Content-Type"] = asset.content_type
        return web.Response(body=asset.body, headers=headers)

    async def _index(self, request: web.Request) -> web.Response:
        return await self._serve(request, "index.html")

    async def _file(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name == "index.html" or ".." in name.split("/"):
            raise web.HTTPNotFound(text=f"no such console file: {name}")
        return await self._serve(request, name)
