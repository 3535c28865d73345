"""``GET /files/events/{name}``: the pictures of motion events (snapshot and thumbnail), let
in like every download (a signed link, a bearer token or an API key; see ``files``)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from .files import FileRoutes, _error, _servable, content_disposition
from .security import plain_filename

log = logging.getLogger(__name__)
KIND = "events"


class EventFileRoutes(FileRoutes):
    def add_to(self, app: web.Application) -> None:
        app.router.add_get(f"/files/{KIND}/{{name}}", self._handler(KIND))
        app.router.add_route("OPTIONS", f"/files/{KIND}/{{name}}", self.preflight)

    async def serve(self, request: web.Request, kind: str) -> web.StreamResponse:
        name = request.match_info["name"]
        refusal = self._authorize(request, KIND, name)
        if refusal is not None:
            return refusal
        if not plain_filename(name) or not name.endswith(".jpg"):
            return _error(400, "not an event picture name")
        motion = self._ctx.motion
        if motion is None:
            return _error(503, "motion detection is not running")
        path = motion.picture_path(name)
        servable = await asyncio.get_running_loop().run_in_executor(None, _servable, path, path.parent)
        if not servable:
            return _error(404, f"no such event picture: {name}")
        headers = {
            "Cache-Control": "private, no-cache",
            "Content-Disposition": content_disposition(name, False),
        }
        return web.FileResponse(path, headers=headers)
