from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from .stack import Stack, api_stack


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with api_stack(tmp_path) as s:
        yield s
