"""The app's one Static: whatever it is given is shown as screen text, never markup.

Every widget that shows text in the app is (or derives from) `ScreenStatic`: a string or
a Rich `Text` goes through `untrusted.screen_text` on its way in, in the constructor and
in every `update`, so text from a registry, a build, docker or a file on disk can neither
run an action (`[@click=app.quit]`), break the app (`[/]`) nor send a control code to the
terminal. A test (`test_conventions`) checks that nothing in the app makes a plain
`Static`.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.visual import VisualType
from textual.widgets import Static

from buildtui.untrusted import screen_text


class ScreenStatic(Static):
    """A Static without markup whose text (str or `Text`) is screen text.

    Another renderable (a Rich `Syntax` or `Table`) is shown as it is: whoever builds it
    makes its text screen text first.
    """

    ONE_LINE: ClassVar[bool] = False
    """Show a newline as `\\n` (a title, a one-line status) rather than break the line."""

    def __init__(
        self,
        content: VisualType = "",
        *,
        expand: bool = False,
        shrink: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(
            self._screened(content),
            expand=expand,
            shrink=shrink,
            markup=False,
            name=name,
            id=id,
            classes=classes,
            disabled=disabled,
        )

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        super().update(self._screened(content), layout=layout)

    def _screened(self, content: VisualType) -> VisualType:
        if isinstance(content, str | Text):
            return screen_text(content, one_line=self.ONE_LINE)
        return content
