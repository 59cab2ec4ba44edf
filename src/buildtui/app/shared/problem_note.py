"""A note above a pane's list: what stops it and how to fix it, or a warning."""

from __future__ import annotations

from rich.text import Text

from buildtui.app.shared.themed_static import ThemedStatic


class ProblemNote(ThemedStatic):
    """Hidden while there is nothing to say; presentation text (semantic styles) in the
    theme's colours, framed in its error colour."""

    DEFAULT_CSS = """
    ProblemNote {
        display: none;
        height: auto;
        margin: 0 1;
        padding: 0 1;
        border: round $error;
    }
    ProblemNote.shown {
        display: block;
    }
    """

    def show(self, text: Text | str | None) -> None:
        """Show `text`; None (or nothing) hides the note."""
        self.set_class(bool(text), "shown")
        super().show(text or "")
