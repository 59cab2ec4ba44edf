"""The Clean-up pane's activity: a progress bar while a deletion or collection runs, and the
result lines (deletion, garbage collection, verification) in the theme's colours."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ProgressBar

from buildtui.app.shared.themed_static import ThemedStatic
from buildtui.cleanup.present import styled

IDLE_TOTAL = 1.0
"""The hidden bar's total: any, as long as there is one."""


class CleanupProgress(Vertical):
    """`show_lines` for results, `show_progress` while running, `hide_progress` after."""

    DEFAULT_CSS = """
    CleanupProgress {
        height: auto;
    }
    CleanupProgress #cleanup-status {
        height: auto;
        max-height: 8;
        padding: 0 1;
    }
    CleanupProgress #cleanup-progress {
        display: none;
        padding: 0 1;
    }
    CleanupProgress #cleanup-progress.shown {
        display: block;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[str] = []
        """The result lines shown (a progress line replaces them on screen, not here)."""

    def compose(self) -> ComposeResult:
        # A total from the start: a bar without one is indeterminate, and Textual animates
        # that 15 times a second, hidden or not (an idle app's main CPU use).
        yield ProgressBar(total=IDLE_TOTAL, id="cleanup-progress", show_eta=False)
        yield ThemedStatic(id="cleanup-status")

    def show_lines(self, lines: list[str]) -> None:
        self.lines = lines
        self.query_one("#cleanup-status", ThemedStatic).show(styled(lines))

    def show_progress(self, done: int, total: int, what: str) -> None:
        """A bar (`total` 0: an indeterminate one) and `… what` in place of the results."""
        bar = self.query_one("#cleanup-progress", ProgressBar)
        bar.add_class("shown")
        if total:
            bar.update(total=total, progress=done)
        else:
            bar.update(total=None)
        self.query_one("#cleanup-status", ThemedStatic).show(f"… {what}")

    def hide_progress(self) -> None:
        bar = self.query_one("#cleanup-progress", ProgressBar)
        bar.remove_class("shown")
        bar.update(total=IDLE_TOTAL, progress=0)  # not animated while hidden (`compose`)
