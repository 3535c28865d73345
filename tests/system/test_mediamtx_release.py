"""The release archive the system test hands the mediamtx role: laid out as the role unpacks
it, with a checksum file in the release's format (``<sha256>  <name>``)."""

from __future__ import annotations

import hashlib
import tarfile
from pathlib import Path

import pytest

from .mediamtx_release import CHECKSUMS, archive_name, pack, pinned_version

pytestmark = pytest.mark.unit


def test_the_version_is_the_one_the_role_pins(tmp_path: Path) -> None:
    defaults = tmp_path / "main.yml"
    defaults.write_text('---\n# pinned here\nmediamtx_version: "1.20.1"\nmediamtx_user: mediamtx\n')
    assert pinned_version(defaults) == "1.20.1"
    assert archive_name("1.20.1") == "mediamtx_v1.20.1_linux_amd64.tar.gz"
    defaults.write_text("mediamtx_user: mediamtx\n")
    with pytest.raises(AssertionError, match="no mediamtx_version"):
        pinned_version(defaults)


def test_the_packed_archive_has_the_members_the_role_unpacks_and_its_checksum(
    tmp_path: Path
) -> None:
    binary = tmp_path / "a-binary"
    binary.write_bytes(b"\x7fELF not really, only bytes to pack\n")
    archive = pack(binary, "1.20.1", tmp_path / "release")
    assert archive == tmp_path / "release" / "mediamtx_v1.20.1_linux_amd64.tar.gz"
    with tarfile.open(archive) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert set(members) == {"mediamtx", "LICENSE", "mediamtx.yml"}
        assert members["mediamtx"].mode == 0o755 and members["mediamtx"].isfile()
        extracted = tar.extractfile("mediamtx")
        assert extracted is not None and extracted.read() == binary.read_bytes()
    line = (tmp_path / "release" / CHECKSUMS).read_text()
    assert line == f"{hashlib.sha256(archive.read_bytes()).hexdigest()}  {archive.name}\n"
