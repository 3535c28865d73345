"""Fuzz: 10 000 random and malformed frames (bad JSON, wrong types, huge numbers, deep
nesting, 2 MiB strings, binary frames) never crash or stall the server; every framed request
gets a valid JSON-RPC reply; ``ping`` still answers afterwards.

The frames come from a seeded generator (``FUZZ_SEED`` to vary it), so a failure replays
exactly; the same oracle driven by hypothesis is ``test_fuzz_hypothesis.py``.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator

import pytest

from .fuzzing import EXAMPLES, Client, ServerThread, random_frame

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    with ServerThread(tmp_path_factory.mktemp("fuzz")) as s:
        yield s


def test_random_frames_never_break_the_server(server: ServerThread) -> None:
    assert server.stack is not None
    seed = int(os.environ.get("FUZZ_SEED", "20261129"))
    rng = random.Random(seed)
    client = Client(server.stack.url, server.stack.token())
    frame: str | bytes = ""
    try:
        for _ in range(EXAMPLES):
            frame = random_frame(rng)
            client.run(client.send(frame))
        assert client.closes >= 1  # some frames were over the size limit
        last = client.run(client.ping("last"))
        assert last == {"jsonrpc": "2.0", "result": "pong", "id": "last"}
        assert server.error is None
    except BaseException:
        print(f"FUZZ_SEED={seed}, last frame (first 300 chars): {str(frame)[:300]!r}")
        raise
    finally:
        client.close()
