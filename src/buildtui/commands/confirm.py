"""Asking before acting: one rule for every command that deletes or stops something.

`-y/--yes` (documented) and `-f/--force` (accepted, as docker's habit) skip the
question. Without a terminal nothing is asked and nothing is done. Ctrl+C at the
question exits at once (130), before anything is sent.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import threading
from typing import TextIO

from buildtui.i18n import _


def add_yes_flag(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "-y", "--yes", "-f", "--force", dest="yes", action="store_true",
        help=f"do not ask before {what} (-f/--force is the same)",
    )  # fmt: skip


def confirm(question: str, stdin: TextIO | None = None, out: TextIO | None = None) -> bool:
    """An interactive yes on the main thread (Ctrl+C interrupts it); never yes without one."""
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    if not stdin.isatty():
        print(
            "buildtui: "
            + _("{question} Not asked without a terminal: add --yes").format(question=question),
            file=sys.stderr,
        )
        return False
    # `[y/N]` in every language (`y` is what the messages that refuse ask for); a Polish
    # `t` (tak) is a yes too.
    out.write(_("{question} [y/N] ").format(question=question))
    out.flush()
    return stdin.readline().strip().lower() in ("y", "yes", _("y"), _("yes"))


async def confirm_async(question: str) -> bool:
    """`confirm` inside an event loop.

    The answer is read in a daemon thread, not the loop's executor: on Ctrl+C,
    `asyncio.run` cancels this wait and ends at once, where an executor thread blocked
    in `readline` would hold the exit until Enter.
    """
    if not sys.stdin.isatty():
        return confirm(question)
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[bool] = loop.create_future()

    def read() -> None:
        try:
            result = confirm(question)
        except (OSError, ValueError, EOFError):
            result = False
        if not loop.is_closed():
            loop.call_soon_threadsafe(settle, result)

    def settle(result: bool) -> None:
        if not answer.done():  # canceled by Ctrl+C meanwhile
            answer.set_result(result)

    threading.Thread(target=read, name="buildtui-confirm", daemon=True).start()
    return await answer
