"""The fuzz test driven by hypothesis: 10 000 generated frames against the same oracle.

hypothesis imports ``unittest.mock`` for its own reflection; the suite's ``FORBID_MOCKS=1``
check reads our sources, not ``sys.modules``, so that does not count as mocking our code.
The seeded twin in ``test_fuzz.py`` replays a fixed set of frames; the strategy is
``fuzzing.frame_strategy``, which the pure, time-budgeted fuzzers of ``tests/fuzz`` share.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .fuzzing import EXAMPLES, Client, ServerThread, frame_strategy

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    with ServerThread(tmp_path_factory.mktemp("fuzz-hypothesis")) as s:
        yield s


def test_hypothesis_frames_never_break_the_server(server: ServerThread) -> None:
    from hypothesis import HealthCheck, given, settings

    assert server.stack is not None
    client = Client(server.stack.url, server.stack.token())

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(frame=frame_strategy())
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
