"""The Clean-up pane's space view: the ranking table, the highlighted row in full under it,
and what the selection frees together (computed on the union, shared blobs once)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable

from buildtui.app.cleanup.space_table import Marks, SpaceTable
from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.cleanup.present_space import space_row_detail
from buildtui.cleanup.space import SpaceRow


class SpaceList(Vertical):
    DEFAULT_CSS = """
    SpaceList #space-items {
        min-height: 8;
    }
    SpaceList #space-row {
        height: auto;
        max-height: 3;
        padding: 0 1;
        color: $text-muted;
    }
    SpaceList #space-what-if {
        height: auto;
        max-height: 3;
        padding: 0 1;
        text-style: bold;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: dict[str, SpaceRow] = {}

    def compose(self) -> ComposeResult:
        yield SpaceTable(id="space-items")
        yield ScreenStatic(id="space-row")
        yield ScreenStatic(id="space-what-if")

    @property
    def table(self) -> SpaceTable:
        return self.query_one(SpaceTable)

    def show_rows(self, rows: list[SpaceRow], marks: Marks) -> None:
        self.rows = {row.key: row for row in rows}
        self.table.show_rows(self.rows, marks)

    def forget(self) -> None:
        self.rows = {}
        self.table.clear()
        self.query_one("#space-row", ScreenStatic).update("")

    @property
    def current(self) -> SpaceRow | None:
        key = self.table.current_key
        return self.rows.get(key) if key is not None else None

    def show_what_if(self, text: str) -> None:
        self.query_one("#space-what-if", ScreenStatic).update(text)

    @on(DataTable.RowHighlighted)
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        row = self.rows.get(str(event.row_key.value))
        self.query_one("#space-row", ScreenStatic).update(space_row_detail(row) if row else "")
