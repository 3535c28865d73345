"""Domain objects → the JSON shapes of API.md. One presenter per shape, used by the methods
and by notifications alike. Device paths and source URLs (credentials) never leave here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from ..config.model import Config
from ..links import FileLinks
from ..models import Camera, CameraStatus
from ..models_recordings import FileEntry, FileInfo, Recording, RecordingGap, Snapshot

FILE_KINDS = {"snapshots": "snapshot", "recordings": "recording"}


def iso_time(timestamp: float | None) -> str | None:
    """UTC ISO 8601 with milliseconds and ``Z``, or ``None``."""
    if timestamp is None:
        return None
    when = dt.datetime.fromtimestamp(timestamp, dt.UTC)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def seconds(value: float | None) -> int | None:
    """Whole seconds (compat.json: durations are integers), or ``None``."""
    return None if value is None else round(value)


def whole_fps(fps: float | None) -> int | None:
    return None if fps is None else round(fps)


def config_stream_urls(config: Config, camera_id: str) -> dict[str, str]:
    """MediaMTX's URLs for a path, on the configured public host (used when no stream
    service is running to ask)."""
    host, m = config.server.public_host, config.mediamtx
    return {
        "rtsp": f"rtsp://{host}:{m.rtsp_port}/{camera_id}",
        "webrtc": f"http://{host}:{m.webrtc_port}/{camera_id}/whep",
        "hls": f"http://{host}:{m.hls_port}/{camera_id}/index.m3u8",
    }


def camera_object(camera: Camera, urls: Mapping[str, str], removed: bool = False) -> dict[str, Any]:
    """compat.json's Camera: ``resolution`` and ``fps`` only once a mode is known, stream
    URLs only those that exist (the schema has no nulls)."""
    status = CameraStatus.DISCONNECTED if removed else camera.status
    mode = camera.mode
    out: dict[str, Any] = {"device": camera.id, "status": status.value, "name": camera.name}
    if mode is not None:
        out["resolution"] = mode.resolution
        out["fps"] = whole_fps(mode.fps)
    out["streams"] = {k: urls[k] for k in ("rtsp", "webrtc", "hls") if urls.get(k) is not None}
    return out


def capabilities_object(camera: Camera) -> dict[str, Any]:
    caps = camera.capabilities
    if not camera.connected:
        validation = "DISCONNECTED"
    elif caps.formats:
        validation = "CONFIRMED"
    else:
        validation = "NONE"
    formats = caps.format_names or ([camera.mode.pixel_format] if camera.mode else [])
    resolutions = caps.resolutions or ([camera.mode.resolution] if camera.mode else [])
    rates = caps.fps_options or ([camera.mode.fps] if camera.mode else [])
    fps = list(dict.fromkeys(round(r) for r in rates))  # whole rates, highest first
    return {
        "device": camera.id,
        "formats": formats,
        "resolutions": resolutions,
        "fps_options": fps,
        "validation_status": validation,
    }


def download_url(kind: str, filename: str, links: FileLinks | None = None) -> str:
    """The absolute signed link (``links``), or the bare path when no signer is given."""
    if links is not None:
        return links.url(kind, filename)
    return f"/files/{kind}/{quote(filename)}"


def file_links(kind: str, filename: str, links: FileLinks) -> dict[str, str]:
    """``download_url`` (shown inline) and its twin ``save_url`` (saved as a download)."""
    return {"download_url": links.url(kind, filename), "save_url": links.save_url(kind, filename)}


def segment_links(names: Sequence[str], links: FileLinks) -> list[dict[str, str]]:
    """Each file of a segmented recording with its links."""
    return [{"filename": n, **file_links("recordings", n, links)} for n in names]


def file_object(entry: FileEntry, links: FileLinks | None = None) -> dict[str, Any]:
    out = {
        "filename": entry.filename,
        "file_size": entry.file_size,
        "modified_time": iso_time(entry.modified_time),
        "download_url": download_url(entry.kind, entry.filename, links),
    }
    if links is not None:
        out["save_url"] = links.save_url(entry.kind, entry.filename)
    return out


def file_info_object(info: FileInfo, links: FileLinks | None = None) -> dict[str, Any]:
    out = file_object(info.entry, links)
    if info.entry.kind == "recordings" and info.duration is not None:
        out["duration"] = seconds(info.duration)
    out["device"] = info.device
    out["created_time"] = iso_time(info.created_time)
    if info.wall_duration is not None:  # extras: a recording that paused and resumed
        out["wall_duration"] = round(info.wall_duration, 3)
        out["gaps"] = [gap_dict(g) for g in info.gaps]
    return out


def snapshot_object(snap: Snapshot, links: FileLinks | None = None) -> dict[str, Any]:
    out = {
        "device": snap.camera_id,
        "filename": snap.filename,
        "status": "SUCCESS",
        "timestamp": iso_time(snap.timestamp),
        "file_size": snap.file_size,
        "file_path": snap.path,
    }
    if links is not None:
        out.update(file_links("snapshots", snap.filename, links))
    return out


def recording_started(rec: Recording) -> dict[str, Any]:
    """compat.json's RecordingStart, and the same recording again under ``recording`` in the
    shape the reference project's example client reads (``device_path`` is the camera id,
    ``recording_id`` the file name, which names the recording uniquely, ``start_time`` Unix
    seconds, which its CLI formats)."""
    out: dict[str, Any] = {
        "device": rec.camera_id,
        "filename": rec.filename,
        "status": "RECORDING",
        "start_time": iso_time(rec.start_time),
        "format": rec.format,
    }
    out["recording"] = {
        "device_path": rec.camera_id,
        "recording_id": rec.filename,
        "filename": rec.filename,
        "start_time": rec.start_time,
        "status": "RECORDING",
    }
    return out


def recording_stopped(rec: Recording, links: FileLinks | None = None) -> dict[str, Any]:
    """A finished recording; with ``links``, the links of its (first) file and, when it is
    segmented, ``segments`` and ``segment_links`` (every file with its links)."""
    out: dict[str, Any] = {
        "device": rec.camera_id,
        "filename": rec.filename,
        "status": "STOPPED",
        "start_time": iso_time(rec.start_time),
        "end_time": iso_time(rec.end_time),
        "duration": seconds(rec.duration) if rec.duration is not None else 0,
        "file_size": rec.file_size,
        "format": rec.format,
        # extras: the recorded media's length, the wall time it took, and its breaks
        "recorded_duration": round(rec.duration or 0.0, 3),
        "wall_duration": round(rec.wall_duration or 0.0, 3),
        "gaps": [gap_dict(g) for g in rec.gaps],
    }
    if links is not None:
        out.update(file_links("recordings", rec.filename, links))
        if rec.segments:
            out["segments"] = list(rec.segments)
            out["segment_links"] = segment_links(rec.segments, links)
    return out


def gap_dict(gap: RecordingGap) -> dict[str, Any]:
    return {"start": iso_time(gap.start), "end": iso_time(gap.end),
            "length": round(gap.end - gap.start, 3), "cause": gap.cause, "at": round(gap.at, 3)}  # fmt: skip


def recording_active(rec: Recording) -> dict[str, Any]:
    """A recording in progress as ``get_camera_status.recording`` shows it: ``duration`` is
    the whole seconds recorded so far; ``paused`` (an extra) the cause while it waits for its
    source to return."""
    out: dict[str, Any] = {
        "filename": rec.filename,
        "start_time": iso_time(rec.start_time),
        "format": rec.format,
        "duration": seconds(rec.duration) if rec.duration is not None else 0,
    }
    if rec.paused:
        out["paused"] = rec.paused
    return out
