"""Two builds compared: which steps went from run to CACHED and back, and the time; `p`
replays both side by side (the screen closes with True)."""

from __future__ import annotations

from rich.style import Style
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from buildtui.app.shared.footer import TranslatedFooter
from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.builds.history import Comparison
from buildtui.builds.presentation import comparison_headline, comparison_table
from buildtui.i18n import N_

TABLE_STYLES = ("cached", "done", "error")
"""The semantic styles `comparison_table` uses."""


class BuildCompareScreen(ModalScreen[bool]):
    """Shows a `Comparison`, in the theme's colours; Escape closes it, `p` closes it
    asking for the two builds' replay side by side."""

    COMPONENT_CLASSES = {f"build-compare--{name}" for name in TABLE_STYLES}
    DEFAULT_CSS = """
    BuildCompareScreen { align: center middle; }
    BuildCompareScreen > VerticalScroll {
        width: 90%; height: 80%; border: thick $primary; background: $surface; padding: 0 1;
    }
    BuildCompareScreen > .build-compare--cached {
        color: $text-success; background: $success-muted; text-style: bold;
    }
    BuildCompareScreen > .build-compare--done { color: $text-success; }
    BuildCompareScreen > .build-compare--error { color: $text-error; text-style: bold; }
    """
    BINDINGS = [
        Binding("escape", "dismiss(False)", N_("Close"), id="build_compare.close"),
        Binding(
            "p",
            "dismiss(True)",
            N_("Replay side by side"),
            id="build_compare.replay",
            tooltip=N_("Replay both builds side by side, at the same pace"),
        ),
    ]

    def __init__(self, comparison: Comparison) -> None:
        super().__init__()
        self.comparison = comparison

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield ScreenStatic(comparison_headline(self.comparison), id="compare-headline")
            yield ScreenStatic("", id="compare-table")
        yield TranslatedFooter()

    def on_mount(self) -> None:
        self._draw_table()

    def _draw_table(self) -> None:
        styles: dict[str, Style | str] = {
            name: self.get_component_rich_style(f"build-compare--{name}", partial=True)
            for name in TABLE_STYLES
        }
        table = comparison_table(self.comparison, styles)
        self.query_one("#compare-table", Static).update(table)
