"""Requests several callers share: started once, awaited by each through `asyncio.shield`;
and `Memo`, each key's result computed once and kept, a bounded number of them."""

from __future__ import annotations

import asyncio
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


class _Failure:
    """What computing a key raised (kept: asking again raises it again)."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class Memo(Generic[T]):
    """Each key's value, computed once: the first caller computes it (no task of its
    own: a scan asks for ~5 documents per tag, and a task per document cost more than
    reading it from the disk cache), the callers that ask meanwhile wait for its result.
    A failure is kept, so that asking again raises it again. If the caller computing it
    is cancelled, the computation stops: a caller still waiting computes it anew.

    At most `limit` results are kept, the least recently asked going first: a scan of
    30,000 tags must not keep every manifest it read."""

    def __init__(self, limit: int = MEMO_LIMIT) -> None:
        self.limit = limit
        self._done: OrderedDict[Key, T | _Failure] = OrderedDict()
        """Key -> its value, or what computing it raised."""
        self._running: dict[Key, asyncio.Future[T]] = {}

    def __len__(self) -> int:
        return len(self._done)

    async def get(self, key: Key, compute: Callable[[], Coroutine[Any, Any, T]]) -> T:
        while True:
            done = self._done.get(key, _MISSING)
            if done is not _MISSING:
                self._done.move_to_end(key)
                if isinstance(done, _Failure):
                    raise done.error.with_traceback(None)
                return done  # type: ignore[no-any-return]
            waiting = self._running.get(key)
            if waiting is None:
                break
            try:
                return await asyncio.shield(waiting)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if not waiting.cancelled() or (task is not None and task.cancelling()):
                    raise  # this caller was cancelled
                # The caller computing it was cancelled, not this one: compute it here.
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            value = await compute()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved: nobody may be waiting for it
            self._keep(key, _Failure(error))
            raise
        else:
            future.set_result(value)
            self._keep(key, value)
            return value
        finally:
            if self._running.get(key) is future:
                del self._running[key]

    def _keep(self, key: Key, value: T | _Failure) -> None:
        self._done[key] = value
        if len(self._done) > self.limit:
            self._done.popitem(last=False)


_MISSING: Any = object()
