"""`python -m buildtui.cleanup.worker JOURNAL --lock-fd N`: one garbage collection, detached.

`Collector.collect_garbage` takes the registry container's lock, writes the
journal and starts this process in a session of its own with the lock's file
descriptor, then only follows the journal. So a closing terminal (SIGHUP to the whole
session), Ctrl-C, a terminate or a kill of the app or the command line leave this
process alone: it starts the registry again and verifies every tag whatever happens
to its caller. SIGHUP and SIGINT are ignored; SIGTERM cancels the collection if the
registry was not stopped yet, and otherwise lets it finish the start before it exits
(without the verification). The lock goes with this process, however it ends.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TextIO

from buildtui.i18n import _


class _Termination:
    """Set by SIGTERM; the sequence looks at it where stopping is safe."""

    def __init__(self) -> None:
        self.asked = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.asked = True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m buildtui.cleanup.worker")
    parser.add_argument("journal", type=Path)
    parser.add_argument("--lock-fd", type=int, required=True)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    termination = _Termination()
    signal.signal(signal.SIGTERM, termination)

    # Imported once the signals are set: these imports take most of the start-up time.
    from buildtui.cleanup.collection import run_collection
    from buildtui.cleanup.detach import JOURNAL_FULL, JOURNAL_UNWRITTEN
    from buildtui.cleanup.errors import CleanupError
    from buildtui.cleanup.gc import CollectionRequest
    from buildtui.cleanup.journal import Damaged, Journal

    try:
        journal = Journal.load(args.journal)
    except (Damaged, CleanupError) as error:
        _say(
            _("the journal {journal} cannot be used: {error}").format(
                journal=args.journal, error=error
            ),
            sys.stderr,
        )
        return 2
    if journal is None:
        _say(_("no journal at {journal}").format(journal=args.journal), sys.stderr)
        return 2
    from buildtui.cleanup.service import CleanupService

    service = CleanupService(journal.settings, detached=False)
    request = CollectionRequest(
        tuple(journal.data.get("remove_repositories") or ()),
        bool(journal.data.get("start_stopped")),
        journal.data.get("delete_untagged") is True,
    )

    async def work() -> None:
        try:
            await run_collection(
                service,
                journal,
                request,
                lambda text: _say(text, sys.stdout),
                should_stop=lambda: termination.asked,
            )
        finally:
            await service.aclose()

    try:
        asyncio.run(work())
    except CleanupError as error:
        _say(_("buildtui gc: {error}").format(error=error), sys.stderr)
        if journal.unsaved:
            return JOURNAL_FULL if journal.unsaved_full else JOURNAL_UNWRITTEN
        return 1
    finally:
        os.close(args.lock_fd)  # the lock ends with the journal written (or not writable)
    if journal.unsaved:
        _say(
            _("buildtui gc: the journal's last write failed: {unsaved}").format(
                unsaved=journal.unsaved
            ),
            sys.stderr,
        )
        return JOURNAL_FULL if journal.unsaved_full else JOURNAL_UNWRITTEN
    return 0


def _say(text: str, stream: TextIO) -> None:
    """Print to the worker's log; a log that cannot be written (a full disk) is skipped."""
    with contextlib.suppress(OSError, ValueError):
        print(text, file=stream, flush=True)


if __name__ == "__main__":
    sys.exit(main())
