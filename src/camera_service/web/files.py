"""``GET /files/{snapshots,recordings}/{name}``: authenticated downloads with Range.

A request is let in by any one of: a signed link (``?expires=...&sig=...``, see ``links``;
works as a plain browser link), ``Authorization: Bearer <JWT or API key>``, or
``X-API-Key: <key>``. A bad header is answered 401 (with ``WWW-Authenticate``), a bad signed
link 403 (the URL itself is the credential: there is nothing to retry with), each with the
reason in words. ``?download=1`` asks for ``Content-Disposition: attachment``. ``OPTIONS``
answers CORS preflights for ``server.allowed_origins`` (see ``cors``).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from ..config.model import StorageConfig
from ..errors import AuthError, FileNotFound, InvalidParams, LinkRefused
from ..rpc.context import RpcContext
from . import cors
from .security import bearer_token, plain_filename

log = logging.getLogger(__name__)

KINDS = ("snapshots", "recordings")


def _error(status: int, message: str, **headers: str) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps({"error": message}),
        content_type="application/json",
        headers=headers or None,
    )


def content_disposition(name: str, attachment: bool) -> str:
    """``inline``/``attachment`` with the file name (an ASCII fallback and RFC 6266's
    ``filename*`` for anything else)."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)
    value = f'{"attachment" if attachment else "inline"}; filename="{fallback}"'
    if fallback != name:
        value += f"; filename*=UTF-8''{quote(name, safe='')}"
    return value


def _folder(storage: StorageConfig, kind: str) -> Path:
    return storage.snapshots_dir if kind == "snapshots" else storage.recordings_dir


def _servable(path: Path, folder: Path) -> bool:
    """Blocking: ``path`` is a regular file inside ``folder`` (a second check, after the
    file store's, right before the file is served)."""
    try:
        return path.resolve().is_relative_to(folder.resolve()) and path.is_file()
    except (OSError, RuntimeError):
        return False


class FileRoutes:
    """``origins`` gives the allowed CORS origins in force (they follow a reload)."""

    def __init__(self, ctx: RpcContext, origins: Callable[[], tuple[str, ...]] | None = None) -> None:
        self._ctx = ctx
        self._origins_in_force = origins

    def add_to(self, app: web.Application) -> None:
        for kind in KINDS:
            app.router.add_get(f"/files/{kind}/{{name}}", self._handler(kind))
            app.router.add_route("OPTIONS", f"/files/{kind}/{{name}}", self.preflight)

    def _handler(self, kind: str):  # type: ignore[no-untyped-def]
        async def handle(request: web.Request) -> web.StreamResponse:
            response = await self.serve(request, kind)
            origin = request.headers.get("Origin")
            response.headers.update(cors.response_headers(origin, request.host, self._origins))
            response.headers["Vary"] = "Origin"
            return response

        return handle

    @property
    def _origins(self) -> tuple[str, ...]:
        if self._origins_in_force is not None:
            return self._origins_in_force()
        return self._ctx.config.server.allowed_origins

    async def preflight(self, request: web.Request) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin is None:  # not a CORS preflight: say what the resource allows
            return web.Response(status=204, headers={"Allow": cors.ALLOW_METHODS})
        headers = cors.preflight_headers(origin, request.host, self._origins)
        if headers is None:
            log.debug("refused a CORS preflight from origin %s", origin)
            return _error(403, "origin not allowed")
        return web.Response(status=204, headers=headers)

    def _authorize(self, request: web.Request, kind: str, name: str) -> web.Response | None:
        """``None`` when one credential is good, else the refusal to answer with."""
        header = bearer_token(request.headers) or request.headers.get("X-API-Key", "").strip() or None
        header_error = ""
        if header is not None:
            try:
                self._ctx.authenticator.authenticate(header)  # any role may download
                return None
            except AuthError as e:
                header_error = str(e)
        query = request.query
        if "sig" in query or "expires" in query:
            try:
                self._ctx.link_signer().verify(
                    kind, name, query.get("expires"), query.get("sig"), self._ctx.clock.time()
                )
                return None
            except LinkRefused as e:
                if not header_error:
                    return _error(403, str(e))
        if header_error:
            return _error(401, header_error, **{"WWW-Authenticate": 'Bearer error="invalid_token"'})
        return _error(401, "authentication required", **{"WWW-Authenticate": "Bearer"})

    async def serve(self, request: web.Request, kind: str) -> web.StreamResponse:
        name = request.match_info["name"]
        refusal = self._authorize(request, kind, name)
        if refusal is not None:
            return refusal
        if not plain_filename(name):
            return _error(400, "not a plain file name")
        files = self._ctx.files
        if files is None:
            return _error(503, "file store not running")
        try:
            path = await files.resolve(kind, name)
        except InvalidParams as e:
            return _error(400, str(e))
        except FileNotFound:
            return _error(404, f"no such {kind[:-1]}: {name}")
        folder = _folder(self._ctx.config.storage, kind)
        servable = await asyncio.get_running_loop().run_in_executor(None, _servable, path, folder)
        if not servable:
            log.warning("refused a path outside the %s folder: %s", kind, name)
            return _error(404, f"no such {kind[:-1]}: {name}")
        attachment = request.query.get("download", "").lower() in ("1", "true", "yes")
        headers = {
            "Cache-Control": "private, no-cache",
            "Content-Disposition": content_disposition(name, attachment),
        }
        return web.FileResponse(path, headers=headers)
