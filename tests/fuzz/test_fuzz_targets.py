"""The time-budgeted fuzzers (``harness``): each parser facing hostile input, driven by
targeted hypothesis strategies, every input under 50 ms of CPU, regression cases replayed
first. A fraction of a second each inside ``make test``; ``make fuzz`` runs them for
minutes (``FUZZ_SECONDS``)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from web.fuzzing import frame_strategy, hostile_text

from . import targets
from .harness import Target

pytestmark = pytest.mark.unit

MIB = 1 << 20
FREEZE = '"[]"' * 65 + '"' + '\\"' * (MIB // 2)  # issue 24: seconds per frame, before the fix


def st() -> Any:
    from hypothesis import strategies

    return strategies


def test_fuzz_frames() -> None:
    t = Target("frames", targets.check_frame, targets.text_or_bytes, targets.from_corpus)
    t.fuzz(st().one_of(frame_strategy(), hostile_text()), examples=[FREEZE, FREEZE.encode()])


def test_fuzz_nesting() -> None:
    s = st()
    t = Target("nesting", targets.check_nesting, targets.text_or_bytes, targets.from_corpus)
    shapes = s.one_of(hostile_text(), frame_strategy(), s.binary(max_size=2000))
    t.fuzz(shapes, examples=[FREEZE])  # other 1 MiB shapes: tests/rpc/test_nesting.py


def _auth_frames() -> Any:
    s = st()
    claims = s.fixed_dictionaries(
        {},
        optional={
            "user_id": s.one_of(s.text(max_size=8), s.integers(), s.booleans(), s.none()),
            "role": s.one_of(s.sampled_from(["viewer", "operator", "admin", "root", "ADMIN"]), s.integers()),
            "iat": s.one_of(
                s.integers(0, 2**40), s.floats(allow_nan=False), s.text(max_size=4), s.booleans()
            ),
            "exp": s.one_of(s.integers(0, 2**40), s.floats(allow_nan=False), s.text(max_size=4), s.none()),
            "nbf": s.integers(0, 2**40),
        },
    )
    header = s.one_of(
        s.just({"alg": "HS256", "typ": "JWT"}),
        s.fixed_dictionaries({"alg": s.sampled_from(["none", "HS512", "RS256", "HS256", ""])}),
        s.dictionaries(s.text(max_size=5), s.text(max_size=5), max_size=3),
    )
    key = s.sampled_from([targets.SECRET, None, "another-secret-0123456789abcdef-0123"])
    token = s.one_of(
        s.builds(targets.jwt_like, header, claims, key),
        s.sampled_from([targets.API_KEY, "csk_", "a.b.c", "..", "", "x" * 9000]),
        s.text(max_size=100),
        s.lists(s.text(alphabet="ABCabc012-_=.", max_size=40), min_size=1, max_size=5).map(".".join),
    )
    value = s.one_of(token, s.none(), s.integers(), s.lists(s.text(max_size=3), max_size=2))
    params = s.one_of(
        s.fixed_dictionaries(
            {},
            optional={
                "auth_token": value,
                "token": value,
                "auth_type": s.sampled_from(["jwt", "api_key", "auto", "x"]),
            },
        ),
        s.lists(value, max_size=4),
        value,
    )
    request = s.builds(
        lambda p, i: {"jsonrpc": "2.0", "method": "authenticate", "params": p, "id": i}, params, s.integers()
    )
    return s.one_of(request.map(json.dumps), s.lists(request, min_size=1, max_size=3).map(json.dumps))


def test_fuzz_auth() -> None:
    t = Target("auth", targets.check_auth, targets.text_or_bytes, targets.as_text)
    good = targets.jwt_like(
        {"alg": "HS256", "typ": "JWT"},
        {"user_id": "u", "role": "admin", "iat": 1, "exp": 2**35},
        targets.SECRET,
    )
    seeds = [
        json.dumps({"jsonrpc": "2.0", "method": "authenticate", "params": {"auth_token": good}, "id": 1}),
        json.dumps({"jsonrpc": "2.0", "method": "authenticate", "params": [targets.API_KEY], "id": 1}),
    ]
    t.fuzz(_auth_frames(), examples=seeds)


def _links() -> Any:
    s = st()
    names = s.one_of(
        s.sampled_from(["camera0_20261129_050000.jpg", "rec.mp4", ".hidden", "a b"]), s.text(max_size=20)
    )
    genuine = s.builds(targets.genuine_link, s.sampled_from(["snapshots", "recordings", "other"]), names)

    def mutate(link: str, at: int, cut: int, insert: str) -> str:
        i = at % (len(link) + 1)
        return link[:i] + insert + link[i + cut :]

    tricks = s.sampled_from(
        ["", "&sig=", "&expires=9999999999", "%2F", "..", "%00", "&", "=", "#", "?", "é", "9" * 30]
    )
    return s.one_of(
        genuine, s.builds(mutate, genuine, s.integers(0, 400), s.integers(0, 5), tricks), s.text(max_size=200)
    )


def test_fuzz_links() -> None:
    t = Target("links", targets.check_link, targets.text_or_bytes, targets.as_text)
    t.fuzz(_links(), examples=[targets.genuine_link("snapshots", "a.jpg")])


def test_fuzz_headers() -> None:
    s = st()
    t = Target("headers", targets.check_headers, targets.text_or_bytes, targets.as_text)
    ranges = s.builds(
        lambda a, b: f"bytes={a}-{b}", s.text("0123456789", max_size=25), s.text("0123456789", max_size=25)
    )
    hosts = s.lists(
        s.sampled_from(["[", "]", ":", ".", "%", "a", "1", "::", "localhost", "evil"]), max_size=30
    ).map("".join)
    t.fuzz(s.one_of(ranges, hosts, s.text(max_size=300)), examples=["bytes=-0", "[::1]:80", "x" * 100_000])


def _configs() -> Any:
    s = st()
    scalar = s.one_of(s.none(), s.booleans(), s.integers(-(2**70), 2**70), s.floats(), s.text(max_size=12))
    value = s.recursive(
        scalar,
        lambda inner: s.lists(inner, max_size=3) | s.dictionaries(s.text(max_size=6), inner, max_size=3),
        max_leaves=10,
    )
    from camera_service.config import schema

    def section(name: str) -> Any:
        keys = [str(k.schema) for k in schema.SECTIONS[name]]
        return s.dictionaries(s.sampled_from(keys), value, max_size=6)

    sections = s.fixed_dictionaries({}, optional={name: section(name) for name in schema.SECTIONS})
    documents = s.builds(
        lambda d, secret: (
            {**d, "auth": {**(d.get("auth") or {}), "jwt_secret": secret}}
            if isinstance(d.get("auth"), dict | None)
            else d
        ),
        sections,
        s.sampled_from(["s" * 32, "short"]),
    )
    bombs = s.integers(1, 40).map(
        lambda n: (
            "a0: &a0 [x, x]\n"
            + "".join(f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]\n" for i in range(1, n))
            + f"server: {{allowed_origins: *a{n - 1}}}\n"
        )
    )
    deep = s.integers(1, 3000).map(lambda n: "server: " + "[" * n + "]" * n + "\n")
    return s.one_of(documents.map(targets.yaml_text), s.text(max_size=200), bombs, deep)


def test_fuzz_config() -> None:
    t = Target("config", targets.check_config, targets.text_or_bytes, targets.as_text)
    seeds = [
        "a: &a [*a]\n",
        "server: {port: 0}\n",
        "a0: &a0 [x, x]\n"
        + "".join(f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]\n" for i in range(1, 40))
        + "server: {allowed_origins: *a39}\n",
    ]
    t.fuzz(_configs(), examples=seeds)
