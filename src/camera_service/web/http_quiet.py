"""What the HTTP server tells strangers: no versions, and no tracebacks for their mistakes.

* ``Server: camera-service``, never aiohttp's ``Python/3.11 aiohttp/3.8.4`` (which tells an
  attacker which advisories apply). Routed answers get it from ``on_response_prepare``;
  answers aiohttp writes before routing (``400`` to a malformed request) take aiohttp's
  default, so that default is replaced too (``hide_version``).
* A request aiohttp cannot parse (an over-long request line or header, a bad method or
  version) is the client's fault: aiohttp logs it as an ERROR with a traceback through the
  logger it is given, so it is given ``ClientErrorLogger``, which writes one WARNING line
  for those and passes everything else (a bug of ours) through unchanged.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import aiohttp.web_response
from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

SERVER = "camera-service"


def hide_version() -> None:
    """aiohttp's default ``Server`` value, for answers no handler of ours prepared."""
    aiohttp.web_response.SERVER_SOFTWARE = SERVER  # type: ignore[attr-defined]


async def server_header(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare``: every routed answer names the service, not its libraries."""
    response.headers["Server"] = SERVER


def one_line(error: BaseException, limit: int = 200) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ClientErrorLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """The logger aiohttp's request handler reports through (``AppRunner(logger=...)``)."""

    def __init__(self, logger: logging.Logger) -> None:
        super().__init__(logger, {})

    def exception(self, msg: object, *args: object, exc_info: Any = True, **kwargs: Any) -> None:
        error = exc_info if isinstance(exc_info, BaseException) else sys.exc_info()[1]
        if isinstance(error, HttpProcessingError):
            self.logger.warning("refused a malformed HTTP request: %s", one_line(error))
            return
        self.logger.exception(msg, *args, exc_info=exc_info, **kwargs)
