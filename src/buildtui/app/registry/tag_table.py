"""A repository's tags: one row per tag, filled in as each tag is read."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets.data_table import ColumnKey

from buildtui.app.shared.screen_table import ScreenTable
from buildtui.app.theme_styles import themed_cell
from buildtui.i18n import _
from buildtui.registry.rows import TAG_COLUMNS, TAG_HEADINGS, TagRow, row_cells


class TagTable(ScreenTable[str | Text]):
    """TAG, KIND, PLATFORMS, SIZE, DIGEST of each tag (cells from `registry.rows`, in the
    theme's colours); rows are keyed by tag."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row")

    def on_mount(self) -> None:
        self.border_title = _("Tags")
        for key in TAG_COLUMNS:
            self.add_column(_(TAG_HEADINGS[key]), key=key)

    def retranslate(self) -> None:
        self.border_title = _("Tags")
        for key in TAG_COLUMNS:
            self.columns[ColumnKey(key)].label = Text(_(TAG_HEADINGS[key]))
        self.refresh()

    def cells(self, row: TagRow) -> tuple[str | Text, ...]:
        """The row's cells as the table shows them."""
        return tuple(themed_cell(self.app, cell) for cell in row_cells(row))

    def show_rows(self, rows: Iterable[TagRow]) -> None:
        """Every row anew; the cursor stays on the tag it was on when that tag is shown."""
        selected = self.current_tag
        self.clear()
        for row in rows:
            self.add_row(*self.cells(row), key=row.tag)
        if selected is not None and selected in self.rows:
            self.move_cursor(row=self.get_row_index(selected))

    def update_row(self, row: TagRow) -> None:
        """A tag's row once it is read (nothing when the tag is filtered out)."""
        if row.tag not in self.rows:
            return
        for key, value in zip(TAG_COLUMNS, self.cells(row), strict=True):
            self.update_cell(row.tag, key, value, update_width=True)

    @property
    def current_tag(self) -> str | None:
        """The tag under the cursor, if any."""
        if self.row_count == 0:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:  # no valid cursor position yet
            return None
        return key.value
