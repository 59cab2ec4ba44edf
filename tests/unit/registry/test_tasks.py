"""A shared request whose callers were all cancelled leaves no "never retrieved" traceback."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

from buildtui.registry.errors import Unreachable
from buildtui.registry.tasks import shared_task


async def test_failure_after_every_caller_is_cancelled_is_not_reported_to_asyncio() -> None:
    reported: list[dict[str, Any]] = []
    asyncio.get_running_loop().set_exception_handler(
        lambda _loop, context: reported.append(context)
    )
    gate = asyncio.Event()

    async def request() -> str:
        await gate.wait()
        raise Unreachable("the connection to localhost:5000 broke")

    task = shared_task(request())
    caller = asyncio.ensure_future(asyncio.shield(task))
    await asyncio.sleep(0)
    caller.cancel()  # e.g. the app quits during a scan
    await asyncio.sleep(0)
    gate.set()  # then the client closes and the request fails
    while not task.done():
        await asyncio.sleep(0)
    del task, caller
    gc.collect()
    assert reported == []


async def test_callers_still_get_the_result_and_the_failure() -> None:
    async def answer() -> str:
        return "sha256:abc"

    async def fail() -> str:
        raise Unreachable("gone")

    shared = shared_task(answer())
    assert await asyncio.gather(asyncio.shield(shared), asyncio.shield(shared)) == [
        "sha256:abc",
        "sha256:abc",
    ]
    failing = shared_task(fail())
    try:
        await asyncio.shield(failing)
    except Unreachable as error:
        assert str(error) == "gone"
    else:
        raise AssertionError("the failure did not reach the caller")
