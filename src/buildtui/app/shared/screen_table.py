"""The app's one DataTable: every cell, row label and column header is screen text.

Textual reads a `str` cell as markup; here each one (and each `Text`) goes through
`untrusted.screen_text` on one line, in `add_row`, `update_cell` (`update_cell_at` too)
and `add_column`, so a
tag, a platform or a builder's name from outside is shown as it is and never acted on.
A test (`test_conventions`) checks that nothing in the app makes a plain `DataTable`.

It also widens its auto-width columns as a cell is added, not later: Textual measures new
cells when the table is next idle and caches each drawn cell under a count that the
widening does not change, so a frame drawn in between (the Lab pane's items replacing
their "Looking…" rows) kept the cells cut at the old width until the cursor moved.
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import CellType, ColumnKey, RowKey

from buildtui.untrusted import screen_text


def screen_cell(value: object) -> object:
    """A cell as the table shows it: text on one line, control characters visible."""
    if isinstance(value, str | Text):
        return screen_text(value, one_line=True)
    return value


class ScreenTable(DataTable[CellType]):
    """A DataTable whose cells, labels and headers are screen text (see the module)."""

    def add_column(
        self,
        label: str | Text,
        *,
        width: int | None = None,
        key: str | None = None,
        default: CellType | None = None,
    ) -> ColumnKey:
        return super().add_column(
            screen_text(label, one_line=True), width=width, key=key, default=default
        )

    def add_row(
        self,
        *cells: CellType,
        height: int | None = 1,
        key: str | None = None,
        label: str | Text | None = None,
    ) -> RowKey:
        shown: Any = [screen_cell(cell) for cell in cells]
        row_key = super().add_row(
            *shown,
            height=height,
            key=key,
            label=None if label is None else screen_text(label, one_line=True),
        )
        for column, cell in zip(self.ordered_columns, shown, strict=False):
            self._widen(column.key, cell)
        return row_key

    def update_cell(
        self,
        row_key: RowKey | str,
        column_key: ColumnKey | str,
        value: CellType,
        *,
        update_width: bool = False,
    ) -> None:
        shown: Any = screen_cell(value)
        super().update_cell(row_key, column_key, shown, update_width=update_width)
        if update_width:
            self._widen(column_key, shown)

    def _widen(self, column_key: ColumnKey | str, cell: object) -> None:
        """The column as wide as `cell` at once (see the module); never narrower."""
        key = ColumnKey(column_key) if isinstance(column_key, str) else column_key
        column = self.columns.get(key)
        if column is None or not column.auto_width or cell is None:
            return
        text = cell.plain if isinstance(cell, Text) else str(cell)
        width = max((cell_len(line) for line in text.splitlines()), default=0)
        column.content_width = max(column.content_width, width)
