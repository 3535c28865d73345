"""Snapshots, recordings and the storage folders (ffmpeg/ffprobe as child processes)."""

from .service import MediaService
from .storage import Storage

__all__ = ["MediaService", "Storage"]
