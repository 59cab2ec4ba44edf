"""The Clean-up pane's space view table: every tag, repository, cache image, referrer and
untagged revision ranked by what deleting it frees, with the selection's marks.

As in the tags table, the mark and the name are pinned (`MarkedTable`), and every cell
is Rich `Text` made from the registry's names (never markup).
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.widgets.data_table import ColumnKey

from buildtui.app.cleanup.marked_table import MarkedTable
from buildtui.app.theme_styles import on_theme_change, themed_text
from buildtui.cleanup.present_space import space_cells
from buildtui.cleanup.space import SpaceRow
from buildtui.i18n import N_, _

COLUMNS = ("mark", "item", "kind", "frees", "size", "note")
HEADERS = ("", N_("NAME"), N_("KIND"), N_("FREES"), N_("SIZE"), N_("SUBJECT / NOTE"))

Marks = Mapping[str, bool | None]
"""key -> True (selected), None (partly: some tags of a repository selected), False or
absent: not selected."""


class SpaceTable(MarkedTable[Text], binding_ids="cleanup.space"):
    """Renders the ranked rows it is given; the pane owns the selection."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: Mapping[str, SpaceRow] = {}
        self._marks: Marks = {}

    def on_mount(self) -> None:
        self.border_title = _("What deleting each frees after a collection, largest first")
        for key, header in zip(COLUMNS, HEADERS, strict=True):
            self.add_column(_(header) if header else "", key=key)
        on_theme_change(self, self._repaint)

    def retranslate(self) -> None:
        """Headings and rows in the app's language."""
        self.border_title = _("What deleting each frees after a collection, largest first")
        for key, header in zip(COLUMNS, HEADERS, strict=True):
            if header:
                self.columns[ColumnKey(key)].label = Text(_(header))
        self.show_rows(self._rows, self._marks)

    def _repaint(self) -> None:
        if self.row_count:
            self.show_rows(self._rows, self._marks)

    def _cells(self, row: SpaceRow, mark: bool | None) -> list[Text]:
        return [themed_text(self.app, cell) for cell in space_cells(row, mark)]

    def show_rows(self, rows: Mapping[str, SpaceRow], marks: Marks) -> None:
        self._rows, self._marks = rows, marks
        current = self.current_key
        self.clear()
        for key, row in rows.items():
            self.add_row(*self._cells(row, marks.get(key, False)), key=key)
        if current is not None and current in rows:
            self.move_cursor(row=self.get_row_index(current))

    def update_marks(self, marks: Marks) -> None:
        """Only the mark column changes: the rows whose mark is not what it was."""
        before, self._marks = self._marks, marks
        for key in set(before) | set(marks):
            if key in self._rows and before.get(key, False) != marks.get(key, False):
                cell = self._cells(self._rows[key], marks.get(key, False))[0]
                self.update_cell(key, "mark", cell, update_width=True)
