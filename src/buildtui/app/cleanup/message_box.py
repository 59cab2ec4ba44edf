"""The Clean-up pane's message box: what failed, why, and what to do next."""

from __future__ import annotations

from buildtui.app.shared.themed_static import ThemedStatic
from buildtui.cleanup.errors import CleanupError
from buildtui.cleanup.present import error_text


class CleanupMessage(ThemedStatic):
    """Shown (class `shown`) while there is an error; hidden otherwise."""

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
    """

    def show_error(self, error: CleanupError | None, what: str = "") -> None:
        """`what: error` and the hint under it; None hides the box."""
        if error is None:
            self.remove_class("shown")
            self.show("")
            return
        self.show(error_text(error, what))
        self.add_class("shown")
