"""The caller's side of a detached garbage collection: start the worker, follow its journal.

The worker (`python -m buildtui.cleanup.worker`) gets the registry container's lock as
an inherited file descriptor and a session of its own; the caller then only reads the
journal it writes, so that the caller can die at any moment without consequence.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from typing import TYPE_CHECKING

from buildtui.cleanup.errors import CollectionInterrupted, UnusableFile
from buildtui.cleanup.gc import GcResult, StepCallback
from buildtui.cleanup.journal import Damaged, Journal
from buildtui.cleanup.journal_codecs import error_from_json, result_from_json
from buildtui.cleanup.recovery import container_state
from buildtui.diskspace import free_space
from buildtui.i18n import _
from buildtui.private_files import open_private

if TYPE_CHECKING:
    from buildtui.cleanup.gc import ContainerControl


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


JOURNAL_FULL = 3
"""The worker's exit status when its journal's last write failed for want of space: the
registry was started again, but the journal cannot say how the collection ended."""
JOURNAL_UNWRITTEN = 4
"""The same, when the write failed otherwise (a read-only or immutable folder)."""


def _reread(journal: Journal) -> Journal:
    """The journal as its worker last wrote it (the one in hand if it cannot be read)."""
    try:
        return Journal.load(journal.path) or journal
    except (Damaged, UnusableFile):
        return journal


def ended_unfinished(
    journal: Journal, returncode: int | None, control: ContainerControl | None
) -> str:
    """Why the collection's process ended with its journal unfinished, and the registry's
    state as the engine tells it now (blocking)."""
    log = journal.path.with_suffix(".log")
    state = ""
    if control is not None and journal.container_id:
        state = container_state(control, journal.settings, container_id=journal.container_id).text
    if returncode in (JOURNAL_FULL, JOURNAL_UNWRITTEN):
        why = (
            _("no space left on device ({space})").format(space=free_space(journal.path.parent))
            if returncode == JOURNAL_FULL
            else _("its folder refuses writes (read-only, or made immutable?)")
        )
        now = f"; {state}" if state else ""
        fix = (
            _("free some space on that disk")
            if returncode == JOURNAL_FULL
            else _("make it writable")
        )
        return _(
            "the garbage collection of {container} could not write its journal "
            "{path}: {why}. The registry was started again whatever the journal "
            "says{now}. Once you {fix}, run `{command}`: it starts the registry if "
            "needed and verifies every tag (its output: {log})"
        ).format(
            container=journal.container,
            path=journal.path,
            why=why,
            now=now,
            fix=fix,
            command=journal.resume_command(),
            log=log,
        )
    return _("{interruption} (its output: {log})").format(
        interruption=journal.interruption(state=state), log=log
    )


async def follow_journal(
    journal: Journal,
    process: subprocess.Popen[bytes] | None,
    on_step: StepCallback | None,
    control: ContainerControl | None = None,
) -> GcResult:
    """Report the steps of the detached collection; its result, or its error, at the end.

    `control` asks the engine about the registry when the process ends unfinished."""
    seen = 0
    while True:
        current = _reread(journal)
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
            if process is not None:  # it releases the lock just before it exits
                with contextlib.suppress(subprocess.TimeoutExpired):
                    await asyncio.to_thread(process.wait, 10)
            again = _reread(journal)
            if again.finished:
                continue
            code = process.returncode if process is not None else None
            raise CollectionInterrupted(
                await asyncio.to_thread(ended_unfinished, again, code, control)
            )
        await asyncio.sleep(0.2)
