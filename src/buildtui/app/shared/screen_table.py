"""The app's one DataTable: every cell, row label and column header is screen text.

Textual reads a `str` cell as markup; here each one (and each `Text`) goes through
`untrusted.screen_text` on one line, in `add_row`, `update_cell` (`update_cell_at` too)
and `add_column`, so a
tag, a platform or a builder's name from outside is shown as it is and never acted on.
A test (`test_conventions`) checks that nothing in the app makes a plain `DataTable`.
"""

from __future__ import annotations

from typing import Any

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
        return super().add_row(
            *shown,
            height=height,
            key=key,
            label=None if label is None else screen_text(label, one_line=True),
        )

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
