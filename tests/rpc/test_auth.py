"""JWT and API-key authentication and the role order (pure: no key file read)."""

from __future__ import annotations

import jwt
import pytest

from camera_service.config.model import AuthConfig
from camera_service.errors import AuthError, ConfigError
from camera_service.models import Clock
from camera_service.rpc.auth import (
    IAT_SKEW,
    Authenticator,
    Role,
    hash_key,
    key_file_entry,
    mint_token,
    parse_key_file,
)

pytestmark = pytest.mark.unit

SECRET = "unit-secret-0123456789abcdef-0123456789"


class FixedClock(Clock):
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now


def auth(now: float = 1_000_000.0) -> tuple[Authenticator, FixedClock]:
    clock = FixedClock(now)
    return Authenticator(AuthConfig(jwt_secret=SECRET), clock), clock


def test_roles_are_ordered() -> None:
    assert Role.VIEWER < Role.OPERATOR < Role.ADMIN
    assert Role.parse("Operator") is Role.OPERATOR
    with pytest.raises(ValueError):
        Role.parse("root")


def test_minted_token_authenticates_with_claims() -> None:
    a, _ = auth()
    token = a.mint("alice", Role.OPERATOR, 60)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert claims == {"user_id": "alice", "role": "operator", "iat": 1_000_000, "exp": 1_000_060}
    p = a.authenticate(token)
    assert (p.user_id, p.role, p.expires_at, p.method) == ("alice", Role.OPERATOR, 1_000_060, "jwt")


def test_expiry_is_enforced_at_authenticate_and_on_check() -> None:
    a, clock = auth()
    p = a.authenticate(a.mint("bob", Role.VIEWER, 10))
    clock.now += 9.9
    a.check(p)
    clock.now += 0.1
    with pytest.raises(AuthError, match="expired"):
        a.check(p)
    with pytest.raises(AuthError, match="expired"):
        a.authenticate(mint_token(SECRET, "bob", Role.VIEWER, 10, clock.now - 10))


@pytest.mark.parametrize(
    "claims,reason",
    [
        ({"user_id": "x", "role": "admin", "iat": 1}, "missing claim"),
        ({"user_id": "x", "role": "root", "iat": 1, "exp": 2e9}, "unknown role"),
        ({"user_id": "x", "role": "admin", "iat": 1, "exp": "never"}, "exp"),
        ({"role": "admin", "iat": 1, "exp": 2e9}, "user_id"),
    ],
)
def test_bad_claims_are_refused(claims: dict[str, object], reason: str) -> None:
    a, _ = auth()
    with pytest.raises(AuthError, match=reason):
        a.authenticate(jwt.encode(claims, SECRET, algorithm="HS256"))


def test_token_issued_in_the_future_is_refused_beyond_the_skew() -> None:
    a, clock = auth()
    ahead = mint_token(SECRET, "x", Role.ADMIN, 3600, clock.now + IAT_SKEW + 1)
    with pytest.raises(AuthError, match="issued in the future"):
        a.authenticate(ahead)
    within = mint_token(SECRET, "x", Role.ADMIN, 3600, clock.now + IAT_SKEW)  # a clock a bit fast
    assert a.authenticate(within).role is Role.ADMIN
    clock.now += 1  # the same token once our clock caught up
    assert a.authenticate(ahead).role is Role.ADMIN


def test_wrong_secret_and_wrong_algorithm_are_refused() -> None:
    a, clock = auth()
    with pytest.raises(AuthError, match="invalid token"):
        a.authenticate(mint_token("another-secret-0123456789abcdef-012345", "x", Role.ADMIN, 60, clock.now))
    # the "none" algorithm takes "" as no key (PyJWT types the key as str, so not None)
    unsigned = jwt.encode({"user_id": "x", "role": "admin", "iat": 1, "exp": 2e9}, "", algorithm="none")
    with pytest.raises(AuthError):
        a.authenticate(unsigned)


@pytest.mark.parametrize("token", [None, "", 42, "not-a-key", "a.b.c"])
def test_garbage_tokens_are_refused(token: object) -> None:
    a, _ = auth()
    with pytest.raises(AuthError):
        a.authenticate(token)


def test_key_file_parses_hashes_and_roles() -> None:
    text = (
        "keys:\n" + key_file_entry("dashboard", Role.VIEWER, "k1") + key_file_entry("ops", Role.ADMIN, "k2")
    )
    keys = parse_key_file(text, "keys.yaml")
    assert {k.name: k.role for k in keys.values()} == {"dashboard": Role.VIEWER, "ops": Role.ADMIN}
    assert hash_key("k1") in keys and "k1" not in text


@pytest.mark.parametrize(
    "text,where",
    [
        ("keys: [{name: a, role: viewer, sha256: abc}]", "sha256"),
        ("keys: [{name: a, role: god, sha256: " + "a" * 64 + "}]", "role"),
        ("keys: 3", "list"),
        ("keys: [", "YAML"),
    ],
)
def test_broken_key_file_names_the_problem(text: str, where: str) -> None:
    with pytest.raises(ConfigError, match=where):
        parse_key_file(text, "keys.yaml")


def test_link_key_follows_the_jwt_secret() -> None:
    auth = Authenticator(AuthConfig(jwt_secret="first-secret-of-32-bytes-or-more!!"), Clock())
    first = auth.link_key()
    assert auth.link_key() == first and len(first) == 32
    assert Authenticator(AuthConfig(jwt_secret="first-secret-of-32-bytes-or-more!!")).link_key() == first
    auth.reload(AuthConfig(jwt_secret="second-secret-of-32-bytes-or-more!"))
    assert auth.link_key() != first  # a new secret revokes every link
    keyless = Authenticator(AuthConfig(), Clock())
    assert keyless.link_key() == keyless.link_key()  # random, but stable for the run
    assert keyless.link_key() != Authenticator(AuthConfig(), Clock()).link_key()
