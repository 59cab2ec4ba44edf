"""The panes' reads in the background, counted in the status bar while they run.

A pane built on `ReadsInBackground` tells the app each time one of its workers of a
BACKGROUND group starts or ends (`BackgroundChanged`); the app counts those running
and the status bar shows `reading N…` while there are any.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual import on
from textual.message import Message
from textual.widget import Widget
from textual.worker import Worker

BACKGROUND = frozenset(
    {
        "registry-repositories",
        "registry-tags",
        "registry-entries",
        "registry-compare",
        "cleanup-load",
        "lab-observe",
    }
)
"""The worker groups of the panes' reads: the registry's catalog, tags, index entries and
cache comparison, the Clean-up pane's reading of the registry, the Lab guide's look."""


class BackgroundChanged(Message):
    """A pane's read started or ended: the app counts them again."""


class ReadsInBackground(Widget):
    """A pane whose reads in the background the status bar counts."""

    @on(Worker.StateChanged)
    def _background_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group in BACKGROUND:
            self.post_message(BackgroundChanged())


def running(workers: Iterable[Worker[object]]) -> int:
    """How many reads of the BACKGROUND groups run (or wait to)."""
    return sum(1 for worker in workers if worker.group in BACKGROUND and not worker.is_finished)
