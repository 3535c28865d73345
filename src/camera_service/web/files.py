"""``GET /files/{snapshots,recordings}/{name}``: authenticated downloads with Range.

A request is let in by any one of: a signed link (``?expires=...&sig=...``, see ``links``;
works as a plain browser link), ``Authorization: Bearer <JWT or API key>``, or
``X-API-Key: <key>``. A bad header is answered 401 (with ``WWW-Authenticate``), a bad signed
link 403 (the URL itself is the credential: there is nothing to retry with), each with the
reason in words. ``?download=1`` asks for ``Content-Disposition: attachment``. ``OPTIONS``
answers CORS preflights for ``server.allowed_origins`` (see ``cors``).

Every answer carries ``HARDENING``: the browser must not guess another type than the one
sent (a file a camera name made look like HTML stays an image), must not run anything in
it even when opened on its own (``sandbox``), and must not keep it (recordings are private;
a shared browser's cache is not the place for them). A range that no byte can satisfy
(``bytes=-0``, a start at or past the end) is ``416`` with ``Content-Range: bytes */size``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

from ..config.model import StorageConfig
from ..errors import AuthError, FileNotFound, InvalidParams, LinkRefused
from ..rpc.context import RpcContext
from . import cors
from .hosts import origin_of
from .security import bearer_token, plain_filename

log = logging.getLogger(__name__)

KINDS = ("snapshots", "recordings")
HARDENING = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}
_RANGE = re.compile(r"bytes=(\d*)-(\d*)", re.ASCII)  # the one form FileResponse serves


def range_unsatisfiable(header: str | None, size: int) -> bool:
    """Whether a ``Range`` header asks only for bytes a file of ``size`` does not have
    (RFC 9110 §14.1.2): a suffix of length 0, or a first byte at or past the end. Other
    forms are left to ``FileResponse`` (which answers 416 to what it cannot parse)."""
    match = _RANGE.fullmatch(header.strip()) if header else None
    if match is None:
        return False
    first, last = match.groups()
    if not first:
        return bool(last) and len(last) <= 20 and int(last) == 0
    return len(first) > 20 or int(first) >= size


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


def _servable(path: Path, folder: Path) -> int | None:
    """Blocking: the size of ``path`` when it is a regular file inside ``folder`` (a second
    check, after the file store's, right before the file is served), else ``None``."""
    try:
        if path.resolve().is_relative_to(folder.resolve()) and path.is_file():
            return path.stat().st_size
    except (OSError, RuntimeError):
        pass
    return None


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
            response.headers.update(
                cors.response_headers(origin, request.host, self._origins, request.scheme, self._own)
            )
            response.headers["Vary"] = "Origin"
            response.headers.update(HARDENING)
            return response

        return handle

    @property
    def _origins(self) -> tuple[str, ...]:
        if self._origins_in_force is not None:
            return self._origins_in_force()
        return self._ctx.config.server.allowed_origins

    @property
    def _own(self) -> tuple[str | None]:
        """The service's origin as clients see it, behind a proxy (``server.public_url``)."""
        return (origin_of(self._ctx.config.server.public_url),)

    async def preflight(self, request: web.Request) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin is None:  # not a CORS preflight: say what the resource allows
            return web.Response(status=204, headers={"Allow": cors.ALLOW_METHODS})
        headers = cors.preflight_headers(origin, request.host, self._origins, request.scheme, self._own)
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
        size = await asyncio.get_running_loop().run_in_executor(None, _servable, path, folder)
        if size is None:
            log.warning("refused a path outside the %s folder: %s", kind, name)
            return _error(404, f"no such {kind[:-1]}: {name}")
        if range_unsatisfiable(request.headers.get("Range"), size):
            return _error(416, "range not satisfiable", **{"Content-Range": f"bytes */{size}"})
        attachment = request.query.get("download", "").lower() in ("1", "true", "yes")
        headers = {"Content-Disposition": content_disposition(name, attachment)}
        return web.FileResponse(path, headers=headers)
