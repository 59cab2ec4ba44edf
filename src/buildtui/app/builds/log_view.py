"""The raw build log: a line-API view over a list of sanitized lines.

No widget per line: `render_line` draws only the visible rows, from an LRU cache
of strips. The view follows the tail until the user scrolls up, and counts the
lines that arrived since; End (or scrolling to the bottom) follows it again.
CACHED lines stand out, as do errors and search matches: the highlight of each line is
`log_line_style`'s (the command line's too), in the theme's colours.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from buildtui.buildlog.presentation import log_line_style
from buildtui.i18n import N_
from buildtui.untrusted import visible as visible_escapes

CACHE_SIZE = 2000


class BuildLogView(ScrollView, can_focus=True):
    """The whole plain-progress log of a build, highlighted and searchable."""

    COMPONENT_CLASSES = {
        "build-log--cached",
        "build-log--error",
        "build-log--match",
        "build-log--current-match",
    }
    DEFAULT_CSS = """
    BuildLogView {
        background: $surface;
        scrollbar-gutter: stable;
    }
    BuildLogView > .build-log--cached {
        color: $text-success; background: $success-muted; text-style: bold;
    }
    BuildLogView > .build-log--error { color: $text-error; text-style: bold; }
    BuildLogView > .build-log--match { background: $warning-muted; }
    BuildLogView > .build-log--current-match { background: $warning; color: $text; }
    """
    BINDINGS = [
        Binding(
            "end", "follow", N_("Follow"), id="build_log.follow", tooltip=N_("Follow the tail")
        ),
        Binding("home", "scroll_home", N_("Top"), show=False, id="build_log.top"),
        Binding(
            "slash", "search", N_("Search"), id="build_log.search", tooltip=N_("Search the log")
        ),
        Binding("n", "next_match", N_("Next"), id="build_log.next", tooltip=N_("Next match")),
        Binding("N", "previous_match", N_("Previous"), show=False, id="build_log.previous"),
    ]

    tail: var[bool] = var(True)
    pending: var[int] = var(0)
    """Lines that arrived while the user was not following the tail."""

    class SearchRequested(Message):
        """The user wants to type a search term (the pane shows its search box)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._lines: Sequence[str] = []
        self._count = 0
        self._width = 0
        self._cache: LRUCache[tuple[int, int, int, str, int], Strip] = LRUCache(CACHE_SIZE)
        self._styles: dict[str | None, Style] = {}
        self.search_term = ""
        self.match_line: int | None = None

    # -- feeding -------------------------------------------------------------

    def set_lines(self, lines: Sequence[str]) -> None:
        """Show `lines` (a list that may keep growing; call `lines_added` after it does)."""
        self._lines = lines
        self._count = 0
        self._width = 0
        self._cache.clear()
        self.pending = 0
        self.tail = True
        self.match_line = None
        self.lines_added()

    def lines_added(self) -> None:
        """The list grew: update the scroll range, follow the tail if following."""
        count = len(self._lines)
        if count == self._count:
            return
        trimmed = count < self._count
        if trimmed:  # the list was trimmed at the front
            self._cache.clear()
        else:
            self._width = max(self._width, max(map(len, self._lines[self._count : count])))
        visible_end = round(self.scroll_y) + self.scrollable_content_region.height
        showed_all = self._count <= visible_end  # the new lines may show without scrolling
        if not self.tail:
            self.pending += max(0, count - self._count)
        self._count = count
        self._set_virtual_size(Size(self._width + 1, count), grew=not trimmed)
        if self.tail:
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True, force=True)
        if trimmed or showed_all or count < visible_end:
            self.refresh()

    def _set_virtual_size(self, size: Size, *, grew: bool) -> None:
        """Set the scroll range; without a layout pass when the scrollbars stay as they are.

        Assigning `virtual_size` lays out the whole screen (it is a layout reactive),
        which costs as much as drawing it. While a build streams only the vertical
        range grows; the scrollbars are told and the layout is skipped.
        """
        width = self.container_size.width
        same_scrollbars = (
            grew
            and self.show_vertical_scrollbar
            and (size.width > width) == self.show_horizontal_scrollbar
            and size.width == self.virtual_size.width
        )
        if not same_scrollbars:
            self.virtual_size = size
            return
        self.set_reactive(BuildLogView.virtual_size, size)
        self.vertical_scrollbar.window_virtual_size = size.height

    @property
    def line_count(self) -> int:
        return self._count

    # -- rendering -----------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.scrollable_content_region.width
        if index >= self._count:
            return Strip.blank(width, self._style(None))
        current = 1 if index == self.match_line else 0
        key = (index, scroll_x, width, self.search_term, current)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._line_strip(self._lines[index], scroll_x, width, current == 1)
            self._cache[key] = strip
        return strip

    def _style(self, name: str | None) -> Style:
        """The widget's style, plus a component class's (`build-log--<name>`) if given.

        Looked up once per theme or style change: `rich_style` walks every ancestor,
        which costs more than drawing the line itself.
        """
        style = self._styles.get(name)
        if style is None:
            base = self._styles.get(None)
            if base is None:
                base = self._styles[None] = self.rich_style
            style = base
            if name is not None:
                style = self._styles[name] = base + self.get_component_rich_style(name)
        return style

    def _line_strip(self, text: str, scroll_x: int, width: int, current: bool) -> Strip:
        """Line `text`, highlighted, cut to columns scroll_x .. scroll_x + width."""
        if not text.isprintable():  # parsed lines are; a line kept on disk may not be
            text = visible_escapes(text, one_line=True)
        base = self._style(None)
        name = log_line_style(text)
        style = self._style(f"build-log--{name}") if name else base
        term = self.search_term
        if term and term.lower() in text.lower():
            name = "build-log--current-match" if current else "build-log--match"
            strip = self._match_strip(text, term, style, style + self._style(name))
            return strip.crop_extend(scroll_x, scroll_x + width, base)
        if not text.isascii():  # wide characters: let Rich measure the cells
            strip = Strip([Segment(text, style)], cell_len(text))
            return strip.crop_extend(scroll_x, scroll_x + width, base)
        # One cell per character: cut and pad in one go, one Strip per line.
        visible = text[scroll_x : scroll_x + width]
        pad = width - len(visible)
        if not pad:
            return Strip([Segment(visible, style)], width)
        if not visible:
            return Strip([Segment(" " * pad, base)], width)
        return Strip([Segment(visible, style), Segment(" " * pad, base)], width)

    @staticmethod
    def _match_strip(text: str, term: str, style: Style, match_style: Style) -> Strip:
        segments: list[Segment] = []
        lower, needle, start = text.lower(), term.lower(), 0
        while True:
            found = lower.find(needle, start)
            if found < 0:
                break
            if found > start:
                segments.append(Segment(text[start:found], style))
            segments.append(Segment(text[found : found + len(term)], match_style))
            start = found + len(term)
        if start < len(text):
            segments.append(Segment(text[start:], style))
        return Strip(segments, cell_len(text))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._cache.clear()

    # -- following and scrolling ---------------------------------------------

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        at_end = round(new_value) >= self.max_scroll_y
        if at_end and not self.tail:
            self.tail = True
        elif not at_end and self.tail and round(new_value) < round(old_value):
            self.tail = False

    def watch_tail(self, tail: bool) -> None:
        if tail:
            self.pending = 0

    def action_follow(self) -> None:
        self.tail = True
        self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True, force=True)

    # Keys move the view at once. Textual animates them at 50 lines a second, redrawing
    # the whole view at 60 frames a second until it arrives (most of a second for a
    # page): time taken from the build's parsing, for a log that keeps moving anyway.

    def action_scroll_up(self) -> None:
        self.scroll_up(animate=False)

    def action_scroll_down(self) -> None:
        self.scroll_down(animate=False)

    def action_page_up(self) -> None:
        self.scroll_page_up(animate=False)

    def action_page_down(self) -> None:
        self.scroll_page_down(animate=False)

    def action_scroll_home(self) -> None:
        self.tail = False
        self.scroll_to(y=0, animate=False, immediate=True)

    # -- search --------------------------------------------------------------

    def action_search(self) -> None:
        self.post_message(self.SearchRequested())

    def search(self, term: str, *, forward: bool = True, from_line: int | None = None) -> bool:
        """Go to the next (or previous) line with `term`; False when there is none."""
        self.search_term = term
        self._cache.clear()
        self.refresh()
        if not term:
            self.match_line = None
            return False
        needle = term.lower()
        count = self._count
        if from_line is None:
            if self.match_line is not None:
                from_line = self.match_line + (1 if forward else -1)
            else:
                from_line = round(self.scroll_y) if forward else count - 1
        lines = self._lines
        from_line = min(max(from_line, 0), max(count - 1, 0))
        order = (
            chain(range(from_line, count), range(0, from_line))
            if forward
            else chain(range(from_line, -1, -1), range(count - 1, from_line, -1))
        )
        for index in order:
            if needle in lines[index].lower():
                self.match_line = index
                self.tail = False
                top = max(0, index - self.scrollable_content_region.height // 2)
                self.scroll_to(y=top, animate=False, immediate=True)
                return True
        self.match_line = None
        return False

    def action_next_match(self) -> None:
        if self.search_term:
            self.search(self.search_term)

    def action_previous_match(self) -> None:
        if self.search_term:
            self.search(self.search_term, forward=False)
