"""A MediaMTX release archive for the system test's real run of the mediamtx role.

The role installs ``mediamtx_v<version>_linux_<arch>.tar.gz`` verified against the release's
``checksums.sha256`` (``ansible/roles/mediamtx/tasks/install.yml``). The container has no
network, so the test hands the role a folder laid out like the release server
(``<base>/v<version>/<archive>``, ``file://``). Where the archive comes from:

1. ``MEDIAMTX_RELEASE_DIR``: a folder holding the downloaded archive and ``checksums.sha256``;
2. else a MediaMTX binary of the pinned version (``MEDIAMTX_BIN``, or ``mediamtx`` on PATH),
   packed here into an archive with the members the role unpacks (``mediamtx``,
   ``LICENSE``) and the release's ``mediamtx.yml`` place-holder, with its checksum file;
3. else none, and the test says why (``Release.reason``).

Nothing of MediaMTX is built or kept here: the archive lives in a temporary folder.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from .nspawn import ROOT

DEFAULTS = ROOT / "ansible" / "roles" / "mediamtx" / "defaults" / "main.yml"
ARCH = "amd64"  # the system test's container runs on this machine (x86_64 only, as its rootfs)
CHECKSUMS = "checksums.sha256"
HOW = ("set MEDIAMTX_RELEASE_DIR to a folder with the release archive and checksums.sha256, "
       "or MEDIAMTX_BIN / PATH to a mediamtx binary of that version")


def pinned_version(defaults: Path = DEFAULTS) -> str:
    match = re.search(r'^mediamtx_version:\s*"?([0-9]+\.[0-9]+\.[0-9]+)"?', defaults.read_text(),
                      re.MULTILINE)
    if match is None:
        raise AssertionError(f"no mediamtx_version in {defaults}")
    return match.group(1)


def archive_name(version: str, arch: str = ARCH) -> str:
    return f"mediamtx_v{version}_linux_{arch}.tar.gz"


@dataclass(frozen=True)
class Release:
    """``folder`` holds ``archive`` and ``checksums.sha256``; or ``folder`` is None and
    ``reason`` says why there is no archive."""

    version: str
    folder: Path | None
    source: str  # where it came from, for the test's output; or why there is none

    @property
    def archive(self) -> str:
        return archive_name(self.version)

    @property
    def reason(self) -> str:
        return f"no MediaMTX {self.version} release archive: {self.source}; {HOW}"


def checksum_line(archive: Path) -> str:
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    return f"{digest}  {archive.name}\n"


def _binary() -> tuple[str | None, str]:
    given = os.environ.get("MEDIAMTX_BIN")
    if given:
        ok = Path(given).is_file() and os.access(given, os.X_OK)
        return (given, "") if ok else (None, f"MEDIAMTX_BIN={given} is not an executable file")
    found = shutil.which("mediamtx")
    return (found, "") if found else (None, "no mediamtx binary on PATH")


def _add(tar: tarfile.TarFile, name: str, data: bytes, mode: int) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.uname, info.gname = len(data), mode, "root", "root"
    tar.addfile(info, io.BytesIO(data))


def pack(binary: Path, version: str, folder: Path) -> Path:
    """``folder``/``archive`` and ``folder``/checksums.sha256 from ``binary``, laid out as
    the release has them (the three members at the top of the archive)."""
    folder.mkdir(parents=True, exist_ok=True)
    archive = folder / archive_name(version)
    with tarfile.open(archive, "w:gz") as tar:
        _add(tar, "mediamtx", binary.read_bytes(), 0o755)
        _add(tar, "LICENSE", f"MediaMTX {version}: see https://github.com/bluenviron/mediamtx "
             "(this archive was packed by the system test from an installed binary)\n".encode(),
             0o644)
        _add(tar, "mediamtx.yml", b"# the mediamtx role writes its own configuration\n", 0o644)
    (folder / CHECKSUMS).write_text(checksum_line(archive))
    return archive


def find_release(workdir: Path, version: str | None = None) -> Release:
    """The archive to install: ``MEDIAMTX_RELEASE_DIR``'s, or one packed into ``workdir``."""
    version = version or pinned_version()
    given = os.environ.get("MEDIAMTX_RELEASE_DIR")
    if given:
        folder = Path(given)
        missing = [n for n in (archive_name(version), CHECKSUMS) if not (folder / n).is_file()]
        if missing:
            return Release(version, None, f"MEDIAMTX_RELEASE_DIR={given} lacks {', '.join(missing)}")
        return Release(version, folder, f"MEDIAMTX_RELEASE_DIR={given}")
    binary, why = _binary()
    if binary is None:
        return Release(version, None, why)
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10,
                         check=False)
    said = ((out.stdout + out.stderr).strip().splitlines() or [""])[0]
    if said != f"v{version}":
        return Release(version, None, f"{binary} --version says {said!r}, the role pins v{version}")
    pack(Path(binary), version, workdir)
    return Release(version, workdir, f"packed from {binary}")
