"""Logging: journald with structured fields under systemd, plain timestamped lines on a
terminal. Structured fields travel as ``extra={"CAMERA_ID": ..., "COMPONENT": ...}``."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping

from .config.model import LoggingConfig

FIELDS = ("COMPONENT", "CAMERA_ID", "RPC_METHOD", "CLIENT")


def journal_is_stream(env: Mapping[str, str] | None = None) -> bool:
    """True when ``JOURNAL_STREAM`` names the device/inode of our stderr (or stdout)."""
    value = (os.environ if env is None else env).get("JOURNAL_STREAM", "")
    dev, _, ino = value.partition(":")
    if not (dev.isdigit() and ino.isdigit()):
        return False
    for stream in (sys.stderr, sys.stdout):
        try:
            st = os.fstat(stream.fileno())
        except (OSError, ValueError, AttributeError):
            continue
        if st.st_dev == int(dev) and st.st_ino == int(ino):
            return True
    return False


class ConsoleFormatter(logging.Formatter):
    """``2026-11-29 10:00:00,123 INFO    camera_service.app: [camera0] message``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        tags = [str(getattr(record, f)) for f in ("CAMERA_ID", "RPC_METHOD", "CLIENT") if hasattr(record, f)]
        text = super().format(record)
        if tags:
            head, sep, msg = text.partition(": ")
            text = f"{head}{sep}[{' '.join(tags)}] {msg}"
        return text


def _journal_handler() -> logging.Handler | None:
    try:
        from systemd.journal import JournalHandler
    except ImportError:
        return None
    return JournalHandler(SYSLOG_IDENTIFIER="camera-service")  # type: ignore[no-any-return]


def setup_logging(config: LoggingConfig, env: Mapping[str, str] | None = None) -> str:
    """Configure the root logger; returns ``"journald"`` or ``"console"``."""
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    handler: logging.Handler | None = None
    target = "console"
    if config.target == "journald" or (config.target == "auto" and journal_is_stream(env)):
        handler = _journal_handler()
        if handler is not None:
            target = "journald"
    if handler is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(ConsoleFormatter())
    root.addHandler(handler)
    apply_level(config)
    return target


def apply_level(config: LoggingConfig) -> None:
    logging.getLogger().setLevel(config.level)
    # the access log of every HTTP request is a repetition, not a change of state
    logging.getLogger("aiohttp.access").setLevel(max(logging.WARNING, logging.getLogger().level))
