"""Who else may write (or read) the files the service trusts: the configuration, the API key
file, the JWT secret file and the folders it writes state, recordings and snapshots into.

``judge`` is pure (a mode and an owner in, findings out); ``check_permissions`` stats the
configured paths, raises ``ConfigError`` (exit 78) for every fatal finding and returns the
warnings for the caller to print or log.

The rules, and why:
- **Writable by others** (``o+w``) is fatal. Any local user could add an admin key, replace
  the secret, or plant a symlink where the service or ffmpeg is about to write. The message
  names the path, its mode and the fix (``chmod o-w``).
- **Writable by the group** is a warning: the group is often a deliberate admin group
  (``root:adm``, a user-private group under ``umask 002``), which the service cannot judge.
- **Owned by another user** than root or the service's own user is a warning: that owner
  can change the mode back at any time. Not judged when checking as root (``--check-config``
  by an admin or Ansible), which cannot tell the service's user.
- **Readable by others** is a warning for the secrets (the key file holds only hashes, but
  the JWT secret signs tokens) and for the folders (recordings are video of people).
  Recordings and snapshots are checked like the state folder because ffmpeg writes segments
  and snapshots there under names one can predict; a folder that does not exist yet is
  skipped (the service creates it 0750).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from .model import Config

FATAL = "fatal"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    level: str  # FATAL or WARNING
    key: str  # the configuration key naming the path, e.g. "auth.api_key_file"
    message: str  # "<path>: mode 0666 is writable by others; chmod o-w"

    def line(self) -> str:
        return f"{self.key}: {self.message}"


@dataclass(frozen=True)
class Checked:
    """One path to judge: the configuration key that names it and whether it holds a
    secret (the configuration does when a secret is written in it)."""

    key: str
    path: Path
    secret: bool = False


def judge(item: Checked, mode: int, owner: int, service_uid: int) -> list[Finding]:
    """The findings for ``item`` with permission bits ``mode`` (``st_mode``) and owner uid
    ``owner``, when the service runs as ``service_uid``. Pure."""
    bits = stat.S_IMODE(mode)
    shown = f"{item.path}: mode {bits:04o}"
    out: list[Finding] = []
    if bits & stat.S_IWOTH:
        out.append(Finding(FATAL, item.key, f"{shown} is writable by others; chmod o-w {item.path}"))
    if bits & stat.S_IWGRP:
        out.append(Finding(WARNING, item.key, f"{shown} is writable by its group; "
                                              f"chmod g-w {item.path} unless only trusted users "
                                              "are in that group"))
    if service_uid != 0 and owner not in (0, service_uid):  # root cannot tell who the service is
        out.append(Finding(WARNING, item.key, f"{item.path}: owned by uid {owner}, neither root "
                                              f"nor the service's user (uid {service_uid})"))
    if bits & stat.S_IROTH and (item.secret or stat.S_ISDIR(mode)):
        what = "a secret" if item.secret else "a folder of the service's data"
        out.append(Finding(WARNING, item.key, f"{shown} is readable by others, for {what}; "
                                              f"chmod o-r {item.path}"))
    return out


def paths_of(config: Config) -> list[Checked]:
    """The paths the service trusts, with the keys that name them."""
    items: list[Checked] = []
    if config.source is not None:
        inline = bool(config.auth.jwt_secret and config.auth.jwt_secret_file is None)
        inline = inline or bool(config.mediamtx.api_password)
        items.append(Checked("config", config.source, secret=inline))
    if config.auth.api_key_file is not None:
        items.append(Checked("auth.api_key_file", config.auth.api_key_file, secret=True))
    if config.auth.jwt_secret_file is not None:
        items.append(Checked("auth.jwt_secret_file", config.auth.jwt_secret_file, secret=True))
    storage = config.storage
    items += [Checked("storage.state_dir", storage.state_dir),
              Checked("storage.recordings_dir", storage.recordings_dir),
              Checked("storage.snapshots_dir", storage.snapshots_dir)]
    return items


def inspect(items: Iterable[Checked], service_uid: int | None = None) -> list[Finding]:
    """``judge`` of every item that exists (``os.stat``, following links: what counts is the
    file the service will read)."""
    uid = os.geteuid() if service_uid is None else service_uid
    out: list[Finding] = []
    for item in items:
        try:
            st = os.stat(item.path)
        except OSError:
            continue  # missing: reading it reports that; a folder is created safely later
        out += judge(item, st.st_mode, st.st_uid, uid)
    return out


def check_permissions(config: Config) -> list[str]:
    """Raise ``ConfigError`` naming every path others can write; return the warnings."""
    findings = inspect(paths_of(config))
    fatal = [(f.key, f.message) for f in findings if f.level == FATAL]
    if fatal:
        raise ConfigError(fatal)
    return [f.line() for f in findings]
