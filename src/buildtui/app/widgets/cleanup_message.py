"""The Clean-up pane's message box: what failed, why, and what to do next."""

from __future__ import annotations

from rich.style import Style
from textual.widgets import Static

from buildtui.app.widgets.semantic_styles import on_theme_change, theme_styles
from buildtui.cleanup.errors import CleanupError
from buildtui.cleanup.present import PLAIN_STYLES, error_text


class CleanupMessage(Static):
    """Shown (class `shown`) while there is an error; hidden otherwise."""

    COMPONENT_CLASSES = {"cleanup-message--loss", "cleanup-message--hint"}
    DEFAULT_CSS = """
    CleanupMessage {
        display: none;
        padding: 0 1;
        margin: 0 1;
        border: round $error;
        height: auto;
    }
    CleanupMessage.shown {
        display: block;
    }
    CleanupMessage > .cleanup-message--loss { color: $text-error; text-style: bold; }
    CleanupMessage > .cleanup-message--hint { text-style: italic; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple[CleanupError, str] | None = None

    def on_mount(self) -> None:
        on_theme_change(self, self._repaint)

    def show_error(self, error: CleanupError | None, what: str = "") -> None:
        """`what: error` and the hint under it; None hides the box."""
        self._shown = (error, what) if error is not None else None
        self._repaint()

    def _repaint(self) -> None:
        if self._shown is None:
            self.remove_class("shown")
            self.update("")
            return
        error, what = self._shown
        self.update(error_text(error, what, self.theme_styles()))
        self.add_class("shown")

    def theme_styles(self) -> dict[str, Style | str]:
        return theme_styles(self, "cleanup-message", PLAIN_STYLES)
