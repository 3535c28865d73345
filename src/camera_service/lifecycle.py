"""The one shape of a long-lived component: ``start()``/``stop()``, usable as an async
context manager so ``app.py`` can enter it in its ``AsyncExitStack``."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class Component:
    async def start(self) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
