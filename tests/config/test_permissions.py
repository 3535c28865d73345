"""``permissions.judge``: which modes and owners of the trusted files are fatal, which only
warn. Pure: modes and uids in, findings out."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from camera_service.config.permissions import FATAL, WARNING, Checked, judge

pytestmark = pytest.mark.unit

SERVICE = 990  # the service's uid in these cases
KEYS = Checked("auth.api_key_file", Path("/etc/x"), secret=True)
STATE = Checked("storage.state_dir", Path("/srv/state"))
FILE, DIR = stat.S_IFREG, stat.S_IFDIR


def levels(item: Checked, mode: int, owner: int = 0) -> list[str]:
    return [f.level for f in judge(item, mode, owner, SERVICE)]


def test_a_key_file_writable_by_others_is_fatal_naming_path_mode_and_fix() -> None:
    findings = judge(KEYS, FILE | 0o666, 0, SERVICE)
    fatal = [f for f in findings if f.level == FATAL]
    assert len(fatal) == 1
    assert fatal[0].line() == "auth.api_key_file: /etc/x: mode 0666 is writable by others; chmod o-w /etc/x"


def test_a_world_writable_state_folder_is_fatal_even_with_the_sticky_bit() -> None:
    assert FATAL in levels(STATE, DIR | 0o777)
    assert FATAL in levels(STATE, DIR | 0o1777)


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o400])
def test_private_secrets_owned_by_root_or_the_service_pass_silently(mode: int) -> None:
    assert levels(KEYS, FILE | mode, 0) == []
    assert levels(KEYS, FILE | mode, SERVICE) == []


def test_a_world_readable_secret_only_warns() -> None:
    assert levels(KEYS, FILE | 0o644) == [WARNING]


def test_a_world_readable_config_without_secrets_is_fine() -> None:
    assert levels(Checked("config", Path("/etc/c.yaml")), FILE | 0o644) == []
    assert levels(Checked("config", Path("/etc/c.yaml"), secret=True), FILE | 0o644) == [WARNING]


def test_a_group_writable_file_warns_but_starts() -> None:
    assert levels(KEYS, FILE | 0o660) == [WARNING]


def test_a_folder_readable_by_others_warns() -> None:
    assert levels(STATE, DIR | 0o755) == [WARNING]
    assert levels(STATE, DIR | 0o750, SERVICE) == []


def test_a_file_owned_by_another_user_warns() -> None:
    findings = judge(KEYS, FILE | 0o600, 65534, SERVICE)
    assert [f.level for f in findings] == [WARNING]
    assert "owned by uid 65534" in findings[0].message


def test_root_checking_the_config_does_not_judge_owners() -> None:
    # `--check-config` as root (an admin, Ansible's validate) cannot tell the service's user
    assert judge(STATE, DIR | 0o750, SERVICE, 0) == []
