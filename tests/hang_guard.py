"""Run a call in a forked child with a time limit, for tests of bugs that hung: on the
code that hung, the test fails (instead of hanging the whole run) once the limit is
reached. The limit is a guard against a hang, many times what the call needs; no test
asserts how fast anything is (the benchmarks under bench/ measure that)."""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable
from typing import Any

import pytest

GUARD_SECONDS = 60.0


def _child(connection: Any, call: Callable[..., Any], args: tuple[Any, ...]) -> None:
    try:
        connection.send(("ok", call(*args)))
    except BaseException:  # everything goes back to the test
        connection.send(("error", traceback.format_exc()))
    finally:
        connection.close()


def finishes(call: Callable[..., Any], *args: Any, seconds: float = GUARD_SECONDS) -> Any:
    """`call(*args)`'s result, computed in a child process; fails the test when the
    child has not finished after `seconds` (it is then killed)."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(sender, call, args), daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            pytest.fail(f"{getattr(call, '__name__', call)} did not finish in {seconds:g} s (hung)")
        kind, value = receiver.recv()
    finally:
        child.kill()
        child.join()
    if kind == "error":
        pytest.fail(f"{getattr(call, '__name__', call)} raised:\n{value}")
    return value
