"""The Build pane's history view: the builds run before, one row each."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from buildtui.build.history import BuildEntry
from buildtui.build.presentation import HISTORY_COLUMNS, history_row

HINT = (
    "o: open · r: run again · c: mark, then c on another build to compare · "
    "v: show or hide --build-arg values"
)


class BuildHistoryView(Vertical):
    """A table of kept builds (the pane's keys open, re-run and compare them)."""

    DEFAULT_CSS = """
    BuildHistoryView > #history-table { height: 1fr; }
    BuildHistoryView > #history-hint { height: auto; color: $text-muted; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
        yield Static(HINT, id="history-hint")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*HISTORY_COLUMNS)

    def show(self, entries: Sequence[BuildEntry], build_arg_values: bool) -> None:
        """Fill the table with `entries`, keeping the cursor's row."""
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for entry in entries:
            table.add_row(*history_row(entry, build_arg_values), key=str(entry.id))
        if entries and row > 0:
            table.move_cursor(row=min(row, len(entries) - 1))

    def selected(self, entries: Sequence[BuildEntry]) -> BuildEntry | None:
        """The entry under the cursor, of the `entries` last shown."""
        row = self.query_one(DataTable).cursor_row
        return entries[row] if 0 <= row < len(entries) else None
