"""An aiohttp client for the MediaMTX Control API v3.

The client receives the process's one ``aiohttp.ClientSession``; every call has a total
timeout. Failures are wrapped at this boundary::

    connection refused / reset, DNS, timeout  → MediaMTXUnavailable(detail)
    HTTP 4xx/5xx                              → MediaMTXError(detail=MediaMTX's "error" text,
                                                              status=HTTP status)
    a 2xx answer that is not the documented   → MediaMTXError("malformed MediaMTX response: …")
    JSON shape

``path_get`` and ``config_path_get`` return ``None`` for MediaMTX's 404 (no such path), which
is an answer, not a failure; a 404 page from anything else is a ``MediaMTXError``. Optional
``user``/``password`` are sent as HTTP basic auth (MediaMTX ``authInternalUsers`` with the
``api`` permission).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp

from ..errors import MediaMTXError, MediaMTXUnavailable
from .models import Info, Page, Path, PathConf, error_text, malformed

T = TypeVar("T")
ITEMS_PER_PAGE = 100
MAX_PAGES = 1000  # a bound on pagination: 100 000 paths is far beyond any host
_TITLE = re.compile(rb"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def _snippet(body: bytes) -> str:
    """A short, single-line description of a non-MediaMTX error body (HTML page, text)."""
    m = _TITLE.search(body)
    text = (m.group(1) if m else body[:200]).decode("utf-8", errors="replace")
    if not m and text.lstrip().startswith("<"):
        return ""
    return " ".join(text.split())[:200]


class MediaMTXClient:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        *,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 5.0,
    ) -> None:
        self._session = session
        self.base_url = base_url.rstrip("/")
        self._headers = {"Authorization": basic_auth(user, password or "")} if user else None
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self.timeout = timeout

    # -- general ---------------------------------------------------------------------------
    async def info(self) -> Info:
        return Info.from_json(await self._call("GET", "/v3/info"))

    # -- path configuration ----------------------------------------------------------------
    async def config_paths_list(self) -> list[PathConf]:
        return await self._list("/v3/config/paths/list", PathConf.from_json, "path config list")

    async def config_path_get(self, name: str) -> PathConf | None:
        data = await self._call("GET", f"/v3/config/paths/get/{_q(name)}", missing_ok=True)
        return None if data is None else PathConf.from_json(data)

    async def config_path_add(self, name: str, conf: Mapping[str, Any]) -> None:
        await self._call("POST", f"/v3/config/paths/add/{_q(name)}", body=conf)

    async def config_path_patch(self, name: str, conf: Mapping[str, Any]) -> None:
        await self._call("PATCH", f"/v3/config/paths/patch/{_q(name)}", body=conf)

    async def config_path_replace(self, name: str, conf: Mapping[str, Any]) -> None:
        await self._call("POST", f"/v3/config/paths/replace/{_q(name)}", body=conf)

    async def config_path_delete(self, name: str) -> None:
        await self._call("DELETE", f"/v3/config/paths/delete/{_q(name)}")

    # -- runtime paths ---------------------------------------------------------------------
    async def paths_list(self) -> list[Path]:
        return await self._list("/v3/paths/list", Path.from_json, "path list")

    async def path_get(self, name: str) -> Path | None:
        data = await self._call("GET", f"/v3/paths/get/{_q(name)}", missing_ok=True)
        return None if data is None else Path.from_json(data)

    # -- internals -------------------------------------------------------------------------
    async def _list(self, endpoint: str, item: Callable[[object, str], T], what: str) -> list[T]:
        items: list[T] = []
        page = 0
        while True:
            data = await self._call(
                "GET", endpoint, params={"page": page, "itemsPerPage": ITEMS_PER_PAGE}
            )
            result = Page.from_json(data, item, what)
            items.extend(result.items)
            page += 1
            if page >= result.page_count or not result.items or page >= MAX_PAGES:
                return items

    async def _call(
        self,
        method: str,
        endpoint: str,
        *,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, int] | None = None,
        missing_ok: bool = False,
    ) -> Any:
        url = self.base_url + endpoint
        try:
            async with self._session.request(
                method,
                url,
                json=dict(body) if body is not None else None,
                params=params,
                headers=self._headers,
                timeout=self._timeout,
                allow_redirects=False,
            ) as resp:
                raw = await resp.read()
                status, reason = resp.status, resp.reason or ""
        except TimeoutError as e:
            raise MediaMTXUnavailable(
                f"{method} {url}: no answer within {self.timeout:g}s"
            ) from e
        except (aiohttp.ClientError, OSError, ValueError) as e:
            # ClientConnectorError, ServerDisconnectedError, payload errors, InvalidURL (a
            # ValueError), and OSError from the socket layer: MediaMTX is not reachable
            raise MediaMTXUnavailable(f"{method} {url}: {e or type(e).__name__}") from e

        if status == 404 and missing_ok and _is_mediamtx_not_found(raw):
            return None
        if not 200 <= status < 300:
            raise error_from_response(status, reason, raw)
        if method != "GET":
            return None  # add/patch/replace/delete answer {"status": "ok"} or nothing
        try:
            return json.loads(raw)
        except ValueError as e:
            raise malformed(endpoint, f"is not JSON ({len(raw)} bytes)") from e

def error_from_response(status: int, reason: str, body: bytes) -> MediaMTXError:
    """The ``MediaMTXError`` for an HTTP error answer: MediaMTX's own ``{"error": …}`` text
    when the body is one, else the status line and a short description of the body."""
    detail: str | None = None
    try:
        detail = error_text(json.loads(body))
    except ValueError:
        pass
    if detail is None:
        snippet = _snippet(body)
        detail = f"HTTP {status} {reason}".strip() + (f": {snippet}" if snippet else "")
    return MediaMTXError(detail, status)


def _is_mediamtx_not_found(body: bytes) -> bool:
    """A 404 from MediaMTX itself (``{"error": "path not found"}``, or no body from older
    versions), as opposed to a 404 page from something else listening on that port."""
    if not body.strip():
        return True
    try:
        return error_text(json.loads(body)) is not None
    except ValueError:
        return False


def basic_auth(user: str, password: str) -> str:
    """An HTTP Basic ``Authorization`` value (RFC 7617, UTF-8), built here rather than with
    ``aiohttp.BasicAuth``, which newer aiohttp deprecates (gone in aiohttp 4)."""
    if ":" in user:
        raise ValueError("a basic-auth user name cannot contain ':'")
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def _q(name: str) -> str:
    if not name:
        raise MediaMTXError("empty path name")
    return quote(name, safe="/")
