"""The real command line with trusted files others can write: ``--check-config`` and a start
both exit 78 naming the path and its mode, before anything else starts; readable-by-others
secrets are a warning and the service goes on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.ivv

ROOT = Path(__file__).resolve().parents[2]
SECRET = "0123456789abcdef0123456789abcdef"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(
        [sys.executable, "-m", "camera_service", *args],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )


def private_files(tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    """A private config, key file, secret file and state folder (0600/0700)."""
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    keys = tmp_path / "keys.yaml"
    keys.write_text("keys: []\n")
    secret = tmp_path / "secret"
    secret.write_text(SECRET)
    config = tmp_path / "config.yaml"
    config.write_text(f"auth:\n  jwt_secret_file: {secret}\n  api_key_file: {keys}\n"
                      f"storage:\n  state_dir: {state}\n")
    for path in (keys, secret, config):
        path.chmod(0o600)
    return config, keys, secret, state


def test_private_files_check_clean_without_warnings(tmp_path: Path) -> None:
    config, *_ = private_files(tmp_path)
    result = run_cli("--config", str(config), "--check-config")
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr


@pytest.mark.parametrize(("which", "mode", "key"), [
    (1, 0o666, "auth.api_key_file"), (2, 0o666, "auth.jwt_secret_file"),
    (3, 0o777, "storage.state_dir"), (0, 0o646, "config"),
])
@pytest.mark.parametrize("check_only", [True, False], ids=["check-config", "start"])
def test_a_trusted_path_others_can_write_exits_78_naming_it(
    tmp_path: Path, which: int, mode: int, key: str, check_only: bool
) -> None:
    paths = private_files(tmp_path)
    paths[which].chmod(mode)
    args = ["--config", str(paths[0])] + (["--check-config"] if check_only else [])
    result = run_cli(*args)
    assert result.returncode == 78, result.stderr
    assert f"{key}: {paths[which]}: mode {mode:04o} is writable by others; chmod o-w" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_world_readable_secret_warns_and_stays_valid(tmp_path: Path) -> None:
    config, _, secret, _ = private_files(tmp_path)
    secret.chmod(0o644)
    result = run_cli("--config", str(config), "--check-config")
    assert result.returncode == 0, result.stderr
    assert f"warning: auth.jwt_secret_file: {secret}: mode 0644 is readable by others" in result.stderr


def test_the_dev_config_still_checks_valid() -> None:
    result = run_cli("--config", str(ROOT / "etc" / "dev.yaml"), "--check-config")
    assert result.returncode == 0, result.stderr
