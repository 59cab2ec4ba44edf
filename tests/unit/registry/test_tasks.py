"""A shared request whose callers were all cancelled leaves no "never retrieved" traceback."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

from buildtui.registry.errors import Unreachable
from buildtui.registry.tasks import Memo, shared_task


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
    assert list(await asyncio.gather(asyncio.shield(shared), asyncio.shield(shared))) == [
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


# -- Memo ---------------------------------------------------------------------------------


async def test_memo_callers_asking_meanwhile_share_one_computation() -> None:
    memo: Memo[str] = Memo()
    gate = asyncio.Event()
    computed = 0

    async def read() -> str:
        nonlocal computed
        computed += 1
        await gate.wait()
        return "manifest"

    callers = [asyncio.ensure_future(memo.get(("lab", "sha256:a"), read)) for _ in range(3)]
    await asyncio.sleep(0)
    gate.set()
    assert await asyncio.gather(*callers) == ["manifest"] * 3
    assert await memo.get(("lab", "sha256:a"), read) == "manifest"
    assert computed == 1


async def test_memo_a_cancelled_computation_is_done_again_by_a_caller_still_waiting() -> None:
    # The pane left the tag (its read was cancelled) while another read waits for the same
    # manifest: that one reads it, instead of failing with the other's cancellation.
    memo: Memo[str] = Memo()
    gate = asyncio.Event()
    computed = 0

    async def read() -> str:
        nonlocal computed
        computed += 1
        await gate.wait()
        return "manifest"

    first = asyncio.ensure_future(memo.get(("lab", "sha256:a"), read))
    await asyncio.sleep(0)
    second = asyncio.ensure_future(memo.get(("lab", "sha256:a"), read))
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.sleep(0)
    gate.set()
    assert await second == "manifest"
    assert first.cancelled()
    assert computed == 2


async def test_memo_keeps_a_failure_and_raises_it_again() -> None:
    memo: Memo[str] = Memo()
    computed = 0

    async def read() -> str:
        nonlocal computed
        computed += 1
        raise Unreachable("gone")

    for _ in range(2):
        try:
            await memo.get(("lab", "sha256:a"), read)
        except Unreachable as error:
            assert str(error) == "gone"
        else:
            raise AssertionError("the failure did not reach the caller")
    assert computed == 1
