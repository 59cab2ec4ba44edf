"""The repositories of a registry, one option per repository, one line each."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.geometry import Size
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from buildtui.i18n import _
from buildtui.untrusted import screen_text


def _option(name: str) -> Option:
    # Screen text, never markup: a name is the registry's data. One line: a long name is cut.
    option = Option(screen_text(name, one_line=True), id=name)
    prompt = option.prompt
    if isinstance(prompt, Text):
        prompt.no_wrap = True
        prompt.overflow = "ellipsis"
    return option


class RepositoryList(OptionList):
    """Repository names; highlighting one shows its tags (the pane listens).

    Every option is one line. OptionList measures each option's wrapped height at every
    layout: 50,000 names took seconds on the event loop each time; here the lines are
    counted, not measured, and only the lines on screen are drawn."""

    def on_mount(self) -> None:
        self.border_title = _("Repositories")

    def _update_lines(self) -> None:
        if not self.scrollable_content_region:
            return
        cache = self._line_cache
        lines = cache.lines
        start, end = len(lines), len(self.options)
        if start < end:
            lines.extend((index, 0) for index in range(start, end))
            cache.heights.update(dict.fromkeys(range(start, end), 1))
            cache.index_to_line.update(zip(range(start, end), range(start, end), strict=True))
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        size = Size(width, len(lines))
        if size != self.virtual_size:
            self.virtual_size = size
            self._scroll_update(size)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.option_count

    def show(self, repositories: list[str], current: str | None) -> None:
        """These repositories; the highlight stays on `current` when it is shown."""
        self.set_options(_option(name) for name in repositories)
        if current in repositories:
            self.highlighted = repositories.index(current)
        elif repositories:
            self.highlighted = 0

    def extend(self, repositories: Iterable[str]) -> None:
        """More repositories at the end (the next page of the catalog); the first one
        shown is highlighted."""
        self.add_options(_option(name) for name in repositories)
        if self.highlighted is None and self.option_count:
            self.highlighted = 0
