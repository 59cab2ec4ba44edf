"""The caller's side of a detached garbage collection: start the worker, follow its journal.

The worker (`python -m buildtui.cleanup.worker`) gets the registry container's lock as
an inherited file descriptor and a session of its own; the caller then only reads the
journal it writes, so that the caller can die at any moment without consequence.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys

from buildtui.cleanup.collection import error_from_json, result_from_json
from buildtui.cleanup.errors import CollectionInterrupted
from buildtui.cleanup.gc import GcResult, StepCallback
from buildtui.cleanup.journal import Journal
from buildtui.private_files import open_private


def spawn_worker(journal: Journal, lock_fd: int) -> subprocess.Popen[bytes]:
    """The detached collection process: its own session, the lock's descriptor, a log."""
    log_path = journal.path.with_suffix(".log")  # the worker's own output, for a post-mortem
    with open_private(log_path, "wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "buildtui.cleanup.worker", str(journal.path),
             "--lock-fd", str(lock_fd)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            pass_fds=(lock_fd,),
            start_new_session=True,
        )  # fmt: skip


async def follow_journal(
    journal: Journal, process: subprocess.Popen[bytes] | None, on_step: StepCallback | None
) -> GcResult:
    """Report the steps of the detached collection; its result, or its error, at the end."""
    seen = 0
    while True:
        current = Journal.load(journal.path) or journal
        steps = current.data.get("steps") or []
        for entry in steps[seen:]:
            if on_step is not None:
                on_step(str(entry.get("what")))
        seen = len(steps)
        if current.finished:
            if process is not None:
                await asyncio.to_thread(process.wait)
            if current.state == "done" and isinstance(current.data.get("result"), dict):
                return result_from_json(current.data["result"])
            raise error_from_json(current.data.get("error") or {})
        if (process is not None and process.poll() is not None) or current.interrupted():
            again = Journal.load(journal.path)
            if again is not None and again.finished:
                continue
            log = journal.path.with_suffix(".log")
            raise CollectionInterrupted(f"{current.interruption()} (its output: {log})")
        await asyncio.sleep(0.2)
