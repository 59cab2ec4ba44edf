"""A Static for presentation text styled with semantic names (`"bold error"`, `"muted"`)."""

from __future__ import annotations

from rich.text import Text
from textual.visual import VisualType

from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.app.theme_styles import on_theme_change, themed_text


class ThemedStatic(ScreenStatic):
    """Shows its text in the current theme's colours, and again after each theme change.

    `show` (or `update`) replaces the text; like every `ScreenStatic`, what it shows is
    screen text: no markup, control characters as visible escapes.
    """

    def __init__(
        self,
        text: Text | str = "",
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.styled_text: VisualType = text

    def on_mount(self) -> None:
        on_theme_change(self, self._redraw)
        self._redraw()

    def show(self, text: Text | str) -> None:
        self.update(text)

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        self.styled_text = content
        if self.is_mounted:
            self._redraw(layout=layout)

    def _redraw(self, *, layout: bool = True) -> None:
        text = self.styled_text
        shown = themed_text(self.app, text) if isinstance(text, Text) else text
        super().update(shown, layout=layout)
