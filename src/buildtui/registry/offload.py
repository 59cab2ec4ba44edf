"""CPU-bound reading off the event loop: JSON decoding, digest checks, the disk cache.

The app handles keys on the event loop that also runs the registry's requests. A scan
of a thousand tags decodes thousands of manifests, configs and attestations, hashes
them, and reads and writes the disk cache (sqlite): done on the loop, that work makes a
key wait. `ParseThread` runs it in one worker thread that belongs to a registry
client; the client closes it with itself, so no thread outlives the client.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, Protocol, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

THREAD_NAME = "buildtui-registry-parse"
"""The prefix of the parse thread's name (tests look for it)."""


class Offload(Protocol):
    """Runs a CPU-bound function for a coroutine and returns (or raises) what it does."""

    async def __call__(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T: ...


async def inline(fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Runs the function right here, on the event loop (a client used on its own)."""
    return fn(*args, **kwargs)


class ParseThread:
    """One worker thread, started on first use; after `close` functions run inline."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._closed = False

    async def run(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        if self._closed:
            return fn(*args, **kwargs)
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=THREAD_NAME)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(fn, *args, **kwargs))

    def close(self) -> None:
        """Stop the thread: what waits is dropped, and the function it runs (if any, a
        short decoding) finishes before this returns, so no thread is left behind."""
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
