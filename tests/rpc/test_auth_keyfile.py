"""API keys read from a real key file; a reload picks up changes and keeps the old keys
when the new file is broken."""

from __future__ import annotations

from pathlib import Path

import pytest

from camera_service.config.model import AuthConfig
from camera_service.errors import AuthError
from camera_service.rpc.auth import Authenticator, Role, key_file_entry

pytestmark = pytest.mark.integration


def write(path: Path, *entries: tuple[str, Role, str]) -> None:
    path.write_text("keys:\n" + "".join(key_file_entry(*e) for e in entries))


def test_api_key_authenticates_and_reload_revokes(tmp_path: Path) -> None:
    keys = tmp_path / "keys.yaml"
    write(keys, ("dash", Role.VIEWER, "key-one"), ("ops", Role.ADMIN, "key-two"))
    config = AuthConfig(jwt_secret="s" * 32, api_key_file=keys)
    auth = Authenticator(config)
    principal = auth.authenticate("key-one")
    assert (principal.user_id, principal.role, principal.method) == ("dash", Role.VIEWER, "api_key")
    assert principal.expires_at is None
    assert "key-one" not in keys.read_text()

    write(keys, ("ops", Role.ADMIN, "key-two"))
    auth.reload(config)
    with pytest.raises(AuthError, match="revoked"):
        auth.check(principal)
    with pytest.raises(AuthError):
        auth.authenticate("key-one")
    assert auth.authenticate("key-two").role is Role.ADMIN


def test_broken_key_file_on_reload_keeps_the_keys_in_force(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    keys = tmp_path / "keys.yaml"
    write(keys, ("dash", Role.VIEWER, "key-one"))
    config = AuthConfig(jwt_secret="s" * 32, api_key_file=keys)
    auth = Authenticator(config)
    keys.write_text("keys: [{name: x, role: nobody, sha256: 12}]")
    auth.reload(config)
    assert auth.authenticate("key-one").user_id == "dash"
    assert "keeping 1 in force" in caplog.text


def test_secret_file_is_read_when_no_secret_is_inline(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("file-secret-0123456789abcdef-0123456789\n")
    auth = Authenticator(AuthConfig(jwt_secret_file=secret))
    assert auth.authenticate(auth.mint("x", Role.OPERATOR, 60)).role is Role.OPERATOR
