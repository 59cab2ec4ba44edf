"""The registry's requests on an event loop of their own, in one thread.

The app handles keys on its event loop. Run there, a scan of a thousand tags makes
that loop handle every answer that arrives: each turn of the loop does ~1-2 ms of
httpx work per answer, and a key pressed meanwhile waits for the whole turn.
`RequestsThread` runs a registry client's requests on a loop in a thread of its own;
the caller's loop only receives each call's result, and whatever the call reports on
the way (`on_caller`). The caller's keys then wait for the interpreter lock (a few
milliseconds) instead of for the requests.

A call cancelled by its caller is cancelled on the thread's loop, and the caller
returns once it has ended there, so the client is never closed under a request.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

THREAD_NAME = "buildtui-registry-requests"
"""The name of the requests thread (tests look for it)."""


class RequestsThread:
    """One event loop in one thread, started on first use and stopped by `close`."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def _started(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()
                # A daemon: a process that exits without closing its clients (killed,
                # or a script that forgot) is not kept alive by an idle loop.
                thread = threading.Thread(
                    target=_serve, args=(loop, ready), name=THREAD_NAME, daemon=True
                )
                thread.start()
                ready.wait()
                self._loop, self._thread = loop, thread
            return self._loop

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    async def run(self, make: Callable[[], Awaitable[T]]) -> T:
        """`await make()` on the thread's loop; its result (or error) comes back here.

        Cancelling the caller cancels the call there, and returns once it has ended.
        Called from the thread's own loop, it simply awaits.
        """
        loop = self._started()
        caller = asyncio.get_running_loop()
        if caller is loop:
            return await make()
        done: asyncio.Future[T] = caller.create_future()
        started: list[asyncio.Future[T]] = []

        def settle(task: asyncio.Future[T]) -> None:
            if done.done():
                return
            if task.cancelled():
                done.cancel()
            elif (error := task.exception()) is not None:
                done.set_exception(error)
            else:
                done.set_result(task.result())

        def begin() -> None:
            task = asyncio.ensure_future(make())
            started.append(task)
            task.add_done_callback(lambda t: _call_soon(caller, lambda: settle(t)))

        loop.call_soon_threadsafe(begin)
        try:
            return await asyncio.shield(done)
        except asyncio.CancelledError:
            # `begin` ran (or runs) first: call_soon_threadsafe keeps the order.
            loop.call_soon_threadsafe(lambda: started[0].cancel())
            while not done.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.shield(done)
            raise

    def close(self) -> None:
        """Stop the loop and wait for the thread to end (calls still running are
        cancelled; the client's owner closes it first, with `run`)."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        with contextlib.suppress(RuntimeError):  # already stopped
            loop.call_soon_threadsafe(loop.stop)
        if thread is not threading.current_thread():
            thread.join()


def _serve(loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
    asyncio.set_event_loop(loop)
    loop.call_soon(ready.set)
    try:
        loop.run_forever()
    finally:
        tasks = asyncio.all_tasks(loop)
        for task in tasks:
            task.cancel()
        if tasks:
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def _call_soon(loop: asyncio.AbstractEventLoop, fn: Callable[[], object]) -> None:
    with contextlib.suppress(RuntimeError):  # the caller's loop is closed: nobody waits
        loop.call_soon_threadsafe(fn)


def on_caller(fn: Callable[P, None]) -> Callable[P, None]:
    """`fn`, called on the current thread's event loop whichever thread calls it: what a
    call reports on its way (progress, a tag's row) reaches the caller in order, before
    the call's result."""
    caller = asyncio.get_running_loop()
    owner = threading.get_ident()

    def relay(*args: P.args, **kwargs: P.kwargs) -> None:
        if threading.get_ident() == owner:
            fn(*args, **kwargs)
        else:
            _call_soon(caller, lambda: fn(*args, **kwargs))

    return relay
