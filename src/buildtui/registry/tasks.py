"""Requests several callers share: started once, awaited by each through `asyncio.shield`;
and `Memo`, each key's result computed once and kept, a bounded number of them."""

from __future__ import annotations

import asyncio
import functools
from collections import OrderedDict
from collections.abc import Callable, Coroutine
from typing import Any, Generic, TypeVar

T = TypeVar("T")

MEMO_LIMIT = 2048
"""Results a memo keeps (the least recently asked go first): a scan takes the tags of a
repository one after the other, so what several of its tags share is asked again while
it is still kept; what goes comes back from the disk cache (or the registry) if asked."""


def shared_task(call: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
    """Start `call` as a task that callers await with `asyncio.shield(task)`.

    When every caller is cancelled (the user left the pane, the app quit) the task runs
    on and may fail as the client closes. `shield` then no longer looks at the task, so
    asyncio would print "Task exception was never retrieved" and a traceback on the
    terminal. The failure is retrieved here instead: nobody is left to tell.
    """
    task = asyncio.ensure_future(call)
    task.add_done_callback(_retrieve)
    return task


def _retrieve(task: asyncio.Task[Any]) -> None:
    if not task.cancelled():
        task.exception()


Key = tuple[str, str]


class Memo(Generic[T]):
    """Each key's value, computed once: callers that ask while it is computed share one
    task; once it is done, the value alone is kept. (A finished task would keep its
    coroutine, its context and anyio's state for it alive, about six objects that every
    pass of the garbage collector walks.) A failure is kept as its task, so that asking
    again raises it again; a cancelled computation is forgotten.

    At most `limit` results are kept, the least recently asked going first: a scan of
    30,000 tags must not keep every manifest it read."""

    def __init__(self, limit: int = MEMO_LIMIT) -> None:
        self.limit = limit
        self._done: OrderedDict[Key, T | asyncio.Task[T]] = OrderedDict()
        """Key -> its value, or its failed task."""
        self._running: dict[Key, asyncio.Task[T]] = {}

    def __len__(self) -> int:
        return len(self._done)

    async def get(self, key: Key, compute: Callable[[], Coroutine[Any, Any, T]]) -> T:
        done = self._done.get(key, _MISSING)
        if done is not _MISSING:
            self._done.move_to_end(key)
            if isinstance(done, asyncio.Task):
                return await asyncio.shield(done)  # raises what it raised
            return done  # type: ignore[no-any-return]
        task = self._running.get(key)
        if task is None:
            task = self._running[key] = shared_task(compute())
            task.add_done_callback(functools.partial(self._settled, key))
        return await asyncio.shield(task)

    def _settled(self, key: Key, task: asyncio.Task[T]) -> None:
        if self._running.get(key) is task:
            del self._running[key]
        if task.cancelled():
            return
        self._done[key] = task if task.exception() is not None else task.result()
        if len(self._done) > self.limit:
            self._done.popitem(last=False)


_MISSING: Any = object()
