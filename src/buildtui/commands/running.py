"""Running a service's async calls from a command: one event loop, the service closed after."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

T = TypeVar("T")


class Closable(Protocol):
    async def aclose(self) -> None: ...


S = TypeVar("S", bound=Closable)


def run_then_close(service: S, work: Callable[[S], Awaitable[T]]) -> T:
    """`work(service)` in a fresh event loop; the service's connections closed either way."""

    async def main() -> T:
        try:
            return await work(service)
        finally:
            await service.aclose()

    return asyncio.run(main())
