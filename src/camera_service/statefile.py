"""Small files the service keeps in its state folder (camera ids, the retention policy),
written so that a crash or power cut leaves either the old file or the new one, never a mix.

Blocking: callers on the event loop run ``write_atomically`` and ``read_state`` in an
executor. The files are JSON objects with a ``version``; ``versioned_field`` reads one back
(pure); ``read_state`` reads a file and moves a corrupt one aside.
"""

from __future__ import annotations

import errno
import json
import os
import secrets
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def versioned_field(text: str, version: int, key: str, kind: type) -> Any:
    """``data[key]`` of the JSON object in ``text`` written as version ``version``; raises
    ``ValueError`` saying what is wrong (also when the field is not a ``kind``)."""
    data = json.loads(text)
    if not isinstance(data, dict) or data.get("version") != version:
        raise ValueError(f"expected an object with version {version}")
    value = data.get(key)
    if not isinstance(value, kind):
        raise ValueError(f"'{key}' must be {'a list' if kind is list else 'an object'}")
    return value


def encode_per_camera(specs: Mapping[str, Any], version: int) -> str:
    """A state file of one setting per camera (``spec.as_dict()``), by camera id."""
    body = {cam: spec.as_dict() for cam, spec in sorted(specs.items())}
    return json.dumps({"version": version, "cameras": body}, indent=2) + "\n"


def decode_per_camera(text: str, version: int, parse: Callable[[dict[str, Any], str], T]) -> dict[str, T]:
    """Reads back ``encode_per_camera``'s file, each camera's object through
    ``parse(data, where)``; raises ``ValueError`` saying what is wrong."""
    body = versioned_field(text, version, "cameras", dict)
    out = {}
    for cam, data in body.items():
        if not isinstance(data, dict):
            raise ValueError(f"cameras.{cam}: expected an object")
        out[str(cam)] = parse(data, f"cameras.{cam}")
    return out


FOLDER_MODE = 0o750  # folders the service makes: its own and its group's, as the package's


def make_dirs(folder: Path, mode: int = FOLDER_MODE) -> None:
    """``mkdir -p`` where every folder made gets ``mode`` (less the umask), the missing
    parents too (``Path.mkdir(parents=True)`` gives those the umask's default)."""
    try:
        folder.mkdir(mode=mode, exist_ok=True)
    except FileNotFoundError:
        make_dirs(folder.parent, mode)
        folder.mkdir(mode=mode, exist_ok=True)


def fsync_dir(folder: Path) -> None:
    """Make a rename or a new file in ``folder`` survive a power cut."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


TEMP_ATTEMPTS = 16  # fresh random names tried before giving up (a clash is ~2**-64 each)
TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def create_temporary(path: Path, mode: int = 0o600) -> tuple[int, Path]:
    """A new empty file beside ``path`` with an unpredictable hidden name
    (``.<name>.<random>.tmp``), created with ``O_EXCL|O_NOFOLLOW``: it is always a file this
    call made, never one another user planted there nor a symlink to elsewhere. ``mode``
    (less the umask) is its permissions from the start, so no chmod is ever needed. Returns
    the open descriptor (write only) and the name; raises ``OSError``."""
    for _ in range(TEMP_ATTEMPTS):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
        try:
            return os.open(tmp, TEMP_FLAGS, mode), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(path.parent))


def write_atomically(path: Path, text: str, mode: int = 0o666) -> None:
    """Write ``text`` to ``path`` so that a crash leaves either the old or the new file:
    a new temporary file beside it (``create_temporary``: ``O_EXCL|O_NOFOLLOW``, a random
    name), fsync, ``os.replace``, fsync of the folder. ``mode`` (less the umask) is the new
    file's permissions, e.g. ``0o600`` for one holding credentials.

    Nothing is opened or chmodded through a name someone else could have planted: the
    temporary file is new by construction, and a symlink at ``path`` itself is replaced by
    the rename, never followed. Raises ``OSError``; the temporary file never outlives the
    call."""
    make_dirs(path.parent)
    fd, tmp = create_temporary(path, mode)
    try:
        with open(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


def read_state(
    path: Path, decode: Callable[[str], T], empty: T, on_corrupt: Callable[[str, str], None]
) -> T:
    """``decode`` of ``path``'s text; ``empty`` when there is no file. A file ``decode``
    refuses (``ValueError``, or text that is not UTF-8) is moved aside to
    ``<name>.corrupt-<unix time>`` so that it is kept but not read again, ``on_corrupt(reason,
    where)`` is called to log it (``where`` says where the file went or why it could not be
    moved) and ``empty`` returned. Raises ``OSError`` when the file exists but cannot be read:
    the caller's policy decides what that means."""
    try:
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return empty
    try:
        return decode(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        reason = str(e)
    aside = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
    try:
        os.replace(path, aside)
        where = f"moved to {aside}"
    except OSError as move_error:
        where = f"could not be moved aside: {move_error}"
    on_corrupt(reason, where)
    return empty
