from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.mosquitto import Broker, available


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    if (why := available()) is not None:
        pytest.skip(why)
    b = Broker(_folder(tmp_path)).start()
    try:
        yield b
    finally:
        b.stop()


def _folder(tmp: Path) -> Path:
    folder = tmp / "broker"
    folder.mkdir()
    return folder
