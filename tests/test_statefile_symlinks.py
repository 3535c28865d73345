"""``statefile.write_atomically`` plays against a planted symlink: one at the temporary
name the writer used to pick (``.<name>.<pid>.tmp``) and one at the target itself. Neither
can redirect the write or change the permissions of the file a link points at."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from camera_service.statefile import create_temporary, write_atomically

pytestmark = pytest.mark.integration


def victim(tmp_path: Path) -> Path:
    """A file outside the state folder that a local attacker would like us to overwrite."""
    outside = tmp_path / "outside"
    outside.mkdir()
    path = outside / "precious"
    path.write_text("untouched", encoding="utf-8")
    path.chmod(0o644)
    return path


def test_a_link_at_the_old_predictable_temporary_name_is_not_followed(tmp_path: Path) -> None:
    state, target = tmp_path / "state", victim(tmp_path)
    state.mkdir()
    planted = state / f".retention.json.{os.getpid()}.tmp"
    planted.symlink_to(target)
    write_atomically(state / "retention.json", '{"version": 1}', 0o600)
    assert target.read_text(encoding="utf-8") == "untouched"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # no chmod through the link
    assert (state / "retention.json").read_text(encoding="utf-8") == '{"version": 1}'
    assert planted.is_symlink()  # left alone, not written through


def test_a_link_at_the_target_is_replaced_never_followed(tmp_path: Path) -> None:
    state, target = tmp_path / "state", victim(tmp_path)
    state.mkdir()
    (state / "external_streams.json").symlink_to(target)
    write_atomically(state / "external_streams.json", "{}", 0o600)
    written = state / "external_streams.json"
    assert not written.is_symlink() and written.read_text(encoding="utf-8") == "{}"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert target.read_text(encoding="utf-8") == "untouched"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_the_new_file_has_its_mode_from_creation(tmp_path: Path) -> None:
    path = tmp_path / "streams.json"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o644)
    write_atomically(path, "new", 0o600)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="utf-8") == "new"


def test_temporary_names_are_fresh_and_never_reused(tmp_path: Path) -> None:
    target = tmp_path / "ids.json"
    made = []
    for _ in range(3):
        fd, name = create_temporary(target)
        os.close(fd)
        made.append(name)
    assert len(set(made)) == 3
    assert all(p.name.startswith(".ids.json.") and p.name.endswith(".tmp") for p in made)
    assert all(stat.S_IMODE(p.lstat().st_mode) == 0o600 for p in made)


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    (tmp_path / "ids.json").mkdir()  # the rename onto a folder fails
    with pytest.raises(OSError):
        write_atomically(tmp_path / "ids.json", "{}")
    assert [p.name for p in tmp_path.iterdir()] == ["ids.json"]


def test_folders_made_for_a_state_file_are_private_parents_too(tmp_path: Path) -> None:
    old = os.umask(0)  # the worst umask: folders made with the default mode would be 0777
    try:
        write_atomically(tmp_path / "a" / "b" / "ids.json", "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o750
    assert stat.S_IMODE((tmp_path / "a" / "b").stat().st_mode) == 0o750
