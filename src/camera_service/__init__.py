"""Camera service: USB and network cameras published through MediaMTX, with a JSON-RPC API."""

__version__ = "0.1.0"
