"""The Build pane's log view: the raw log, its search box and a footer that says
whether the view follows the log."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Static

from buildtui.app.builds.log_view import BuildLogView
from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.i18n import _, ngettext


class BuildLogPanel(Vertical):
    """The raw log with `/` to search it (Enter: next match, Escape: close)."""

    DEFAULT_CSS = """
    BuildLogPanel BuildLogView { height: 1fr; }
    BuildLogPanel > #log-footer { height: 1; color: $text-muted; padding: 0 1; }
    BuildLogPanel > #log-search { display: none; }
    BuildLogPanel > #log-search.-shown { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._footer = ""

    def compose(self) -> ComposeResult:
        yield BuildLogView(id="log")
        yield Input(placeholder=_("search the log (Enter: next, Esc: close)"), id="log-search")
        yield ScreenStatic("", id="log-footer")

    def set_lines(self, lines: Sequence[str]) -> None:
        """Show `lines`, a list that may keep growing (then call `lines_added`)."""
        self.query_one(BuildLogView).set_lines(lines)

    def lines_added(self, dropped: int = 0) -> None:
        """The list grew: scroll, and say whether the view follows the log (and how many
        of the first lines were `dropped` to save memory)."""
        log = self.query_one(BuildLogView)
        log.lines_added()
        footer = (
            _("following the log")
            if log.tail
            else ngettext(
                "{count} new line below · End: follow the log",
                "{count} new lines below · End: follow the log",
                log.pending,
            ).format(count=log.pending)
        )
        if dropped:
            footer += " · " + _("first {count} lines dropped to save memory").format(count=dropped)
        if footer != self._footer:
            self._footer = footer
            self.query_one("#log-footer", Static).update(footer, layout=False)

    @on(BuildLogView.SearchRequested)
    def _show_search(self) -> None:
        search = self.query_one("#log-search", Input)
        search.add_class("-shown")
        search.focus()

    @on(Input.Submitted, "#log-search")
    def _search(self, event: Input.Submitted) -> None:
        log = self.query_one(BuildLogView)
        if event.value and not log.search(event.value):
            self.notify(
                _("{text!r} is not in the log.").format(text=event.value), severity="warning"
            )

    def key_escape(self) -> None:
        search = self.query_one("#log-search", Input)
        if search.has_class("-shown"):
            search.remove_class("-shown")
            self.query_one(BuildLogView).focus()
