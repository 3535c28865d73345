"""``GET /files/{snapshots,recordings}/{name}``: authenticated downloads with Range."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

from aiohttp import web

from ..config.model import StorageConfig
from ..errors import AuthError, FileNotFound, InvalidParams
from ..rpc.context import RpcContext
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
    def __init__(self, ctx: RpcContext) -> None:
        self._ctx = ctx

    def add_to(self, app: web.Application) -> None:
        for kind in KINDS:
            app.router.add_get(f"/files/{kind}/{{name}}", self._handler(kind))

    def _handler(self, kind: str):  # type: ignore[no-untyped-def]
        async def handle(request: web.Request) -> web.StreamResponse:
            return await self.serve(request, kind)

        return handle

    async def serve(self, request: web.Request, kind: str) -> web.StreamResponse:
        token = bearer_token(request.headers)
        if token is None:
            return _error(401, "authentication required", **{"WWW-Authenticate": "Bearer"})
        try:
            self._ctx.authenticator.authenticate(token)  # any role may download
        except AuthError as e:
            return _error(401, str(e), **{"WWW-Authenticate": 'Bearer error="invalid_token"'})
        name = request.match_info["name"]
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
        return web.FileResponse(path, headers={"Cache-Control": "private, no-cache"})
