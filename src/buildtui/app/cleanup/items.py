"""The Clean-up pane's table: tags, images, cache images and untagged manifests, with marks.

The mark and the name are pinned (`MarkedTable`). The other columns are kept narrow (the
full kind, digest and note of the highlighted row are in the line below the table).
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.widgets.data_table import ColumnKey

from buildtui.app.cleanup.marked_table import MarkedTable
from buildtui.app.theme_styles import on_theme_change, themed_text
from buildtui.cleanup.plan import Selection
from buildtui.cleanup.present import InventoryRow, item_cells
from buildtui.i18n import N_, _

COLUMNS = ("mark", "item", "kind", "size", "shared", "note")
HEADERS = ("", N_("REPOSITORY:TAG"), N_("KIND"), N_("SIZE"), N_("SHARED"), N_("NOTE"))


class CleanupItems(MarkedTable[str | Text], binding_ids="cleanup"):
    """Renders the rows it is given, in the theme's colours; the pane owns the selection."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: Mapping[str, InventoryRow] = {}
        self._selected: Mapping[str, Selection] = {}

    def on_mount(self) -> None:
        self.border_title = _("Tags, images and cache images")
        for key, header in zip(COLUMNS, HEADERS, strict=True):
            self.add_column(_(header) if header else "", key=key)
        on_theme_change(self, self._repaint)

    def retranslate(self) -> None:
        """Headings and rows in the app's language."""
        self.border_title = _("Tags, images and cache images")
        for key, header in zip(COLUMNS, HEADERS, strict=True):
            if header:
                self.columns[ColumnKey(key)].label = Text(_(header))
        self.show_rows(self._rows, self._selected)

    def _repaint(self) -> None:
        if self.row_count:  # not after `clear()` (the registry went away)
            self.show_rows(self._rows, self._selected)

    def _cells(self, row: InventoryRow, chosen: Selection | None) -> list[str | Text]:
        """`item_cells` in the theme's colours."""
        return [
            themed_text(self.app, cell) if isinstance(cell, Text) else cell
            for cell in item_cells(row, chosen)
        ]

    def show_rows(
        self, rows: Mapping[str, InventoryRow], selected: Mapping[str, Selection]
    ) -> None:
        self._rows, self._selected = rows, selected
        current = self.current_key
        self.clear()
        for key, row in rows.items():
            self.add_row(*self._cells(row, selected.get(key)), key=key)
        if current is not None and current in rows:
            self.move_cursor(row=self.get_row_index(current))

    def update_row(self, row: InventoryRow, chosen: Selection | None) -> None:
        for column, value in zip(COLUMNS, self._cells(row, chosen), strict=True):
            self.update_cell(row.key, column, value, update_width=True)
