"""An event that any thread sets and any event loop waits for.

A registry client makes its requests on an event loop of its own thread, so a test's
transport that holds a request back waits there, while the test releases it from its
own loop: `asyncio.Event` belongs to one loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading


class Gate:
    def __init__(self) -> None:
        self._set = False
        self._waiting: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._lock = threading.Lock()

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        with self._lock:
            self._set = True
            waiting, self._waiting = self._waiting, []
        for loop, future in waiting:
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody waits
                loop.call_soon_threadsafe(_wake, future)

    async def wait(self) -> None:
        with self._lock:
            if self._set:
                return
            loop = asyncio.get_running_loop()
            future: asyncio.Future[None] = loop.create_future()
            self._waiting.append((loop, future))
        await future


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
