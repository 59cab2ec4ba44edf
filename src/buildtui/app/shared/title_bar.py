"""The one-line header: the app's title and subtitle.

A `ScreenStatic` (one line, never markup) rather than Textual's `Header` (icon, title
and clock widgets): the same line for the user, about 40 ms less before the first frame
(bench/startup.py).
"""

from __future__ import annotations

from buildtui.app.shared.screen_static import ScreenStatic


class TitleBar(ScreenStatic):
    ONE_LINE = True

    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        width: 100%;
        height: 1;
        background: $panel;
        color: $foreground;
        text-align: center;
        text-style: bold;
    }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "title", self._retitle)
        self.watch(self.app, "sub_title", self._retitle)

    def _retitle(self) -> None:
        title, sub_title = self.app.title, self.app.sub_title
        self.update(f"{title} — {sub_title}" if sub_title else title)
