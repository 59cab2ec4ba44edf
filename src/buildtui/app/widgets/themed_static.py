"""A Static for presentation text styled with semantic names (`"bold error"`, `"muted"`)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from buildtui.app.theme_styles import on_theme_change, themed_text


class ThemedStatic(Static):
    """Shows its text in the current theme's colours, and again after each theme change.

    `show` replaces the text; a plain string is shown as it is (no markup).
    """

    def __init__(
        self,
        text: Text | str = "",
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes, markup=False)
        self.styled_text = text

    def on_mount(self) -> None:
        on_theme_change(self, self._redraw)
        self._redraw()

    def show(self, text: Text | str) -> None:
        self.styled_text = text
        if self.is_mounted:
            self._redraw()

    def _redraw(self) -> None:
        text = self.styled_text
        self.update(themed_text(self.app, text) if isinstance(text, Text) else text)
