"""The fuzz test driven by hypothesis: 10 000 generated frames against the same oracle.

hypothesis imports ``unittest.mock`` for its own reflection; the suite's ``FORBID_MOCKS=1``
check reads our sources, not ``sys.modules``, so that does not count as mocking our code.
The seeded twin in ``test_fuzz.py`` replays a fixed set of frames.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from camera_service.rpc.methods import METHODS

from .fuzzing import EXAMPLES, MAX_MESSAGE, Client, ServerThread

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    with ServerThread(tmp_path_factory.mktemp("fuzz-hypothesis")) as s:
        yield s


def _frames() -> Any:
    from hypothesis import strategies as st

    leaf = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=20),
    )
    value = st.recursive(
        leaf,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=12,
    )
    method = st.one_of(st.sampled_from(sorted(METHODS)), st.text(max_size=12), value)
    request = st.fixed_dictionaries(
        {},
        optional={
            "jsonrpc": st.one_of(st.just("2.0"), value),
            "method": method,
            "params": value,
            "id": value,
        },
    )
    return st.one_of(
        request.map(json.dumps),
        st.lists(request, max_size=6).map(json.dumps),
        value.map(json.dumps),
        st.text(max_size=60),
        st.binary(max_size=60),
        st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
        st.integers(1, 3000).map(lambda n: '{"a":' * n + "1" + "}" * n),
        st.integers(300, 6000).map(lambda n: '{"jsonrpc":"2.0","method":"ping","id":' + "9" * n + "}"),
        st.sampled_from(["1e400", "NaN", "Infinity", '{"jsonrpc":"2.0","method":"ping","id":1e999}']),
        st.sampled_from([MAX_MESSAGE - 64, 2 * MAX_MESSAGE]).map(
            lambda n: '{"jsonrpc":"2.0","method":"ping","params":["' + "x" * n + '"],"id":1}'
        ),
    )


def test_hypothesis_frames_never_break_the_server(server: ServerThread) -> None:
    from hypothesis import HealthCheck, given, settings

    assert server.stack is not None
    client = Client(server.stack.url, server.stack.token())

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(frame=_frames())
    def one(frame: str | bytes) -> None:
        if isinstance(frame, str) and any(0xD800 <= ord(c) <= 0xDFFF for c in frame):
            frame = frame.encode("utf-8", "surrogatepass")  # not valid UTF-8 text: binary
        client.run(client.send(frame))

    try:
        one()
        assert client.run(client.ping("last")) == {"jsonrpc": "2.0", "result": "pong", "id": "last"}
        assert server.error is None
    finally:
        client.close()
