"""The builders table: each builder and its nodes under it, as `buildx ls` lists them."""

from __future__ import annotations

from rich.text import Text

from buildtui.app.shared.screen_table import ScreenTable
from buildtui.app.theme_styles import on_theme_change, themed_text
from buildtui.buildx.models import BuilderList
from buildtui.buildx.presentation import COLUMNS, Row, builder_rows, row_cells
from buildtui.i18n import _


class BuildersTable(ScreenTable[str | Text]):
    """Shows a `BuilderList`; the cursor stays on its row (or its builder) across lists."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row")
        self.rows_by_key: dict[str, Row] = {}
        self.listing: BuilderList | None = None

    def on_mount(self) -> None:
        self._columns()
        on_theme_change(self, lambda: self.show(self.listing))

    def _columns(self) -> None:
        for column in COLUMNS:
            self.add_column(_(column), key=column)

    def retranslate(self) -> None:
        """The headings in the app's language."""
        self.clear(columns=True)
        self._columns()
        self.show(self.listing)

    @property
    def highlighted_row(self) -> Row | None:
        if self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.rows_by_key.get(key or "")

    def select_builder(self, name: str) -> None:
        key = f"b:{name}"
        if key in self.rows_by_key:
            self.move_cursor(row=self.get_row_index(key))

    def show(self, listing: BuilderList | None) -> None:
        """List `listing` (None: nothing), in the theme's colours."""
        selected = self.highlighted_row
        self.listing = listing
        rows = builder_rows(listing) if listing is not None else []
        self.rows_by_key = {row.key: row for row in rows}
        self.clear()
        for row in rows:
            cells = [
                themed_text(self.app, cell) if isinstance(cell, Text) else cell
                for cell in row_cells(row)
            ]
            self.add_row(*cells, key=row.key)
        if selected is not None and selected.key in self.rows_by_key:
            self.move_cursor(row=self.get_row_index(selected.key))
        elif selected is not None and f"b:{selected.builder}" in self.rows_by_key:
            self.select_builder(selected.builder)
