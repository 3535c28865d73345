"""MediaMTX's auth requests decided as a pure function: every action, protocol and credential
kind, and the edges (address, path, payload, revoked key, ``stream_auth: none``)."""

from __future__ import annotations

import pytest

from camera_service.config.model import AuthConfig
from camera_service.credentials import Credential, InternalCredentials
from camera_service.publish_grants import PUBLISHER_USER, PublisherCredential
from camera_service.rpc.auth import Role, mint_token
from camera_service.web.stream_auth import (
    NO_CREDENTIALS,
    AuthRequest,
    decide,
    is_loopback,
    payload,
    query_tokens,
    reachable_from_loopback,
)

from .stream_auth_cases import (
    API_KEY,
    NOW,
    OUR_PATH,
    SECRET,
    FixedClock,
    authenticator,
    expected,
    matrix,
    request_body,
    token,
)

pytestmark = pytest.mark.unit

INTERNAL = InternalCredentials.generate("mtx-api", "api-password-0123456789")
AUTH = authenticator()


def owns(path: str) -> bool:
    return path == OUR_PATH


def verdict(body: dict[str, object], internal: InternalCredentials = INTERNAL) -> tuple[bool, str]:
    d = decide(AuthRequest.from_payload(body), AUTH, internal, owns, NOW)
    return d.allowed, d.reason


@pytest.mark.parametrize(("action", "protocol", "kind"), matrix())
def test_every_action_protocol_and_credential_kind(action: str, protocol: str, kind: str) -> None:
    allowed, reason = verdict(request_body(action, protocol, kind, INTERNAL))
    assert allowed is expected(kind, action), reason
    if kind == "none":
        assert reason == NO_CREDENTIALS  # the 401 that makes RTSP clients send credentials
    if kind == "expired" and action in ("read", "playback"):
        assert reason == "token expired"


@pytest.mark.parametrize("field", [{"token": "T"}, {"user": "any", "password": "T"},
                                   {"user": "", "password": "T"}, {"query": "jwt=T"},
                                   {"query": "a=1&token=T"}, {"query": "?jwt=T&x=y"}])
def test_a_viewer_token_works_in_every_place_mediamtx_puts_it(field: dict[str, str]) -> None:
    value = token("viewer")
    body = payload(action="read", protocol="rtsp", path=OUR_PATH, ip="192.0.2.7",
                   **{k: v.replace("T", value) for k, v in field.items()})
    assert verdict(body) == (True, "viewer viewer-user")


def test_a_bad_password_does_not_hide_a_good_bearer_token() -> None:
    body = payload(action="read", protocol="hls", path=OUR_PATH, user="u", password="junk",
                   token=token("operator"))
    assert verdict(body)[0] is True


def test_readers_may_watch_from_any_address_but_publishers_only_from_loopback() -> None:
    far = "198.51.100.4"
    assert verdict(request_body("read", "rtsp", "viewer", INTERNAL, ip=far))[0] is True
    allowed, reason = verdict(request_body("publish", "rtsp", "internal", INTERNAL, ip=far))
    assert not allowed and "only loopback may publish" in reason
    allowed, reason = verdict(request_body("publish", "rtsp", "internal", INTERNAL, ip=""))
    assert not allowed


def test_internal_reader_only_from_loopback_and_only_our_paths() -> None:
    assert verdict(request_body("read", "rtsp", "internal", INTERNAL, ip="::1"))[0] is True
    allowed, reason = verdict(request_body("read", "rtsp", "internal", INTERNAL, ip="10.0.0.9"))
    assert not allowed and "loopback only" in reason
    allowed, reason = verdict(request_body("read", "rtsp", "internal", INTERNAL, path="visitor"))
    assert not allowed and "not a camera path" in reason


def test_publishing_to_a_path_we_do_not_own_is_refused_even_for_our_publisher() -> None:
    allowed, reason = verdict(request_body("publish", "rtsp", "internal", INTERNAL, path="visitor"))
    assert not allowed and "'visitor' is not a camera path" in reason


def test_each_internal_credential_opens_only_its_own_action() -> None:
    assert INTERNAL.publisher and INTERNAL.reader and INTERNAL.api
    pub, reader, api = INTERNAL.publisher.issue(OUR_PATH, NOW), INTERNAL.reader, INTERNAL.api
    base = {"protocol": "rtsp", "path": OUR_PATH, "ip": "127.0.0.1"}
    assert not verdict(payload(action="read", user=pub.user, password=pub.password, **base))[0]
    assert not verdict(payload(action="publish", user=reader.user, password=reader.password, **base))[0]
    assert not verdict(payload(action="api", user=reader.user, password=reader.password, **base))[0]
    assert not verdict(payload(action="read", user=api.user, password=api.password, **base))[0]
    assert not verdict(payload(action="publish", user=pub.user, password=pub.password + "x", **base))[0]
    allowed, reason = verdict(payload(action="read", user=reader.user, password="guess", **base))
    assert not allowed and "internal reader" in reason


def test_api_needs_the_internal_credential_not_a_viewer_or_admin_token() -> None:
    admin = mint_token(SECRET, "root", Role.ADMIN, 3600, NOW)
    for fields in ({"token": admin}, {"user": "admin", "password": admin}, {"query": f"jwt={admin}"}):
        allowed, _ = verdict(payload(action="api", ip="127.0.0.1", **fields))
        assert not allowed, fields
    assert verdict(payload(action="metrics", user="mtx-api", password="api-password-0123456789"))[0]


def test_with_stream_auth_none_nothing_may_publish_and_viewers_still_need_a_token() -> None:
    unmanaged = InternalCredentials.unmanaged()
    allowed, reason = verdict(request_body("publish", "rtsp", "internal", INTERNAL), unmanaged)
    assert not allowed and "stream_auth: none" in reason
    assert not verdict(request_body("read", "rtsp", "none", INTERNAL), unmanaged)[0]
    assert verdict(request_body("read", "rtsp", "viewer", INTERNAL), unmanaged)[0]
    assert not verdict(payload(action="api", user="x", password="y"), unmanaged)[0]


def test_a_revoked_api_key_is_refused_for_new_sessions() -> None:
    auth = authenticator(FixedClock())
    body = request_body("read", "hls", "api_key", INTERNAL)
    assert decide(AuthRequest.from_payload(body), auth, INTERNAL, owns).allowed
    auth.reload(AuthConfig(jwt_secret=SECRET))  # SIGHUP: the key is gone from the config
    d = decide(AuthRequest.from_payload(body), auth, INTERNAL, owns)
    assert not d.allowed and "invalid token or API key" in d.reason


def test_a_token_expiring_between_sessions_is_refused_for_the_next() -> None:
    clock = FixedClock()
    auth = authenticator(clock)
    body = payload(action="read", protocol="webrtc", path=OUR_PATH,
                   token=mint_token(SECRET, "v", Role.VIEWER, 60, NOW))
    assert decide(AuthRequest.from_payload(body), auth, INTERNAL, owns).allowed
    clock.now += 60
    assert decide(AuthRequest.from_payload(body), auth, INTERNAL, owns).reason == "token expired"


@pytest.mark.parametrize(("body", "message"), [
    ([], "expected a JSON object"),
    ({"action": "delete"}, "unknown action 'delete'"),
    ({}, "unknown action ''"),
    ({"action": "read", "user": 5}, "field 'user' must be a string"),
    ({"action": "read", "token": "x" * 9000}, "longer than 8192"),
])
def test_malformed_payloads_are_named(body: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AuthRequest.from_payload(body)


def test_null_and_missing_fields_are_empty_and_unknown_fields_ignored() -> None:
    req = AuthRequest.from_payload({"action": "read", "user": None, "userAgent": "VLC", "extra": 1})
    assert (req.user, req.password, req.token, req.query) == ("", "", "", "")
    assert req.session == "///"  # no id: address, protocol, path and user stand in


@pytest.mark.parametrize(("ip", "loop"), [
    ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True),
    ("::ffff:127.0.0.1", True), ("10.0.0.1", False), ("::ffff:10.0.0.1", False),
    ("", False), (None, False), ("localhost", False), ("fe80::1%eth0", False),
])
def test_loopback_addresses(ip: str | None, loop: bool) -> None:
    assert is_loopback(ip) is loop


def test_servers_mediamtx_can_ask_over_loopback() -> None:
    assert all(reachable_from_loopback(h) for h in ("0.0.0.0", "::", "127.0.0.1", "::1", "localhost"))
    assert not reachable_from_loopback("192.0.2.5")


def test_query_tokens_take_jwt_and_token_only() -> None:
    assert query_tokens("jwt=a&token=b&pass=c&jwt=") == ["a", "b"]
    assert query_tokens("") == []
    assert query_tokens("?jwt=" + API_KEY) == [API_KEY]


def test_viewers_watch_camera_paths_only() -> None:
    for path in ("camera0_keepalive", "somebody-elses", "camera7"):
        body = payload(action="read", protocol="rtsp", path=path, ip="192.0.2.7",
                       user="any", password=token("admin"))
        allowed, reason = verdict(body)
        assert not allowed and "not a camera path" in reason, (path, reason)
    body = payload(action="read", protocol="rtsp", path="camera7", ip="192.0.2.7")
    assert verdict(body) == (False, NO_CREDENTIALS)  # still asked, so RTSP clients answer


def test_a_stream_token_reads_its_own_camera_until_it_expires() -> None:
    clock = FixedClock()
    auth = authenticator(clock)
    stream = auth.mint_stream_token(OUR_PATH, 600)

    def read(path: str, **creds: str) -> tuple[bool, str]:
        body = payload(action="read", protocol="rtsp", path=path, ip="192.0.2.7", **creds)
        d = decide(AuthRequest.from_payload(body), auth, INTERNAL, lambda p: p in (OUR_PATH, "camera1"))
        return d.allowed, d.reason

    assert read(OUR_PATH, user="viewer", password=stream) == (True, f"stream token for {OUR_PATH}")
    assert read(OUR_PATH, query=f"token={stream}")[0] is True
    allowed, reason = read("camera1", user="viewer", password=stream)
    assert not allowed and "not valid for path 'camera1'" in reason
    for action in ("publish", "api"):
        body = payload(action=action, protocol="rtsp", path=OUR_PATH, ip="127.0.0.1",
                       user="viewer", password=stream)
        assert decide(AuthRequest.from_payload(body), auth, INTERNAL, owns).allowed is False
    clock.now += 600
    assert read(OUR_PATH, user="viewer", password=stream) == (False, "stream token expired")


def test_a_publisher_credential_publishes_one_session_of_its_own_path_only() -> None:
    grants = InternalCredentials.generate(publish_socket="s").publisher
    assert grants is not None
    internal = InternalCredentials(grants, INTERNAL.reader, INTERNAL.api)

    def publish(cred: Credential | PublisherCredential, path: str = OUR_PATH, session: str = "s1",
                now: float = NOW) -> tuple[bool, str]:
        body = payload(action="publish", protocol="rtsp", path=path, ip="127.0.0.1", id=session,
                       user=cred.user, password=cred.password)
        d = decide(AuthRequest.from_payload(body), AUTH, internal, lambda p: p.startswith("camera"),
                   now)
        return d.allowed, d.reason

    cred = grants.issue(OUR_PATH, NOW)
    assert publish(cred, "camera1")[1] == "publisher credential was issued for 'camera0', not 'camera1'"
    assert publish(cred) == (True, "one-time publisher credential")
    assert publish(cred)[0] is True  # MediaMTX asking again about the same session
    assert publish(cred, session="s2") == (False, "publisher credential already used")
    assert publish(cred, session="") == (False, "publisher credential already used")
    late = grants.issue(OUR_PATH, NOW)
    assert publish(late, now=NOW + 30) == (False, "unknown or expired publisher credential")
    assert publish(late, now=NOW)[0] is False  # forgotten once expired
    forged = PublisherCredential(PUBLISHER_USER, "guessed-" + "x" * 24)
    assert publish(forged) == (False, "unknown or expired publisher credential")
    assert publish(Credential("someone", cred.password))[0] is False
