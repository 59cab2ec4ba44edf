"""A request several callers share: started once, awaited by each through `asyncio.shield`."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


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
