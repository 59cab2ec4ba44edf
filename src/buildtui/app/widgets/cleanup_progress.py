"""The Clean-up pane's activity: a progress bar while a deletion or collection runs, and the
result lines (deletion, garbage collection, verification) in the theme's colours."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import ProgressBar, Static

from buildtui.app.widgets.semantic_styles import on_theme_change, theme_styles
from buildtui.cleanup.present import PLAIN_STYLES, styled


class CleanupProgress(Vertical):
    """`show_lines` for results, `show_progress` while running, `hide_progress` after."""

    COMPONENT_CLASSES = {
        "cleanup-progress--loss",
        "cleanup-progress--ok",
        "cleanup-progress--heading",
        "cleanup-progress--reason",
    }
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
    CleanupProgress > .cleanup-progress--loss { color: $text-error; text-style: bold; }
    CleanupProgress > .cleanup-progress--ok { color: $text-success; text-style: bold; }
    CleanupProgress > .cleanup-progress--heading { text-style: bold; }
    CleanupProgress > .cleanup-progress--reason { text-style: dim; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[str] = []
        """The result lines shown (a progress line replaces them on screen, not here)."""
        self._step: str | None = None

    def compose(self) -> ComposeResult:
        yield ProgressBar(id="cleanup-progress", show_eta=False)
        yield Static(id="cleanup-status")

    def on_mount(self) -> None:
        on_theme_change(self, self._repaint)

    def theme_styles(self) -> dict[str, Style | str]:
        return theme_styles(self, "cleanup-progress", PLAIN_STYLES)

    def show_lines(self, lines: list[str]) -> None:
        self.lines = lines
        self._step = None
        self._repaint()

    def _repaint(self) -> None:
        status = self.query_one("#cleanup-status", Static)
        if self._step is not None:
            status.update(Text(f"… {self._step}"))
        else:
            status.update(styled(self.lines, self.theme_styles()))

    def show_progress(self, done: int, total: int, what: str) -> None:
        """A bar (`total` 0: an indeterminate one) and `… what` in place of the results."""
        bar = self.query_one("#cleanup-progress", ProgressBar)
        bar.add_class("shown")
        if total:
            bar.update(total=total, progress=done)
        else:
            bar.update(total=None)
        self._step = what
        self._repaint()

    def hide_progress(self) -> None:
        self.query_one("#cleanup-progress", ProgressBar).remove_class("shown")
