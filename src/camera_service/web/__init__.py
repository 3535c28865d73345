"""The HTTP/WebSocket transport of the API (aiohttp)."""

from .server import ApiServer

__all__ = ["ApiServer"]
