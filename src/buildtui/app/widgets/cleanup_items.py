"""The Clean-up pane's table: tags, images, cache images and untagged manifests, with marks.

The mark and the name are pinned (fixed columns): whatever is scrolled into view, the
row under the cursor shows what `space` selects. The other columns are kept narrow
(the full kind, digest and note of the highlighted row are in the line below the table),
and `Home`/`End` move the cursor to the first and last row instead of scrolling sideways.
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from buildtui.cleanup.plan import Selection
from buildtui.cleanup.present import InventoryRow, compact_kind, row_name, truncate
from buildtui.registry.present import format_size

COLUMNS = ("mark", "item", "kind", "size", "shared", "note")
HEADERS = ("", "REPOSITORY:TAG", "KIND", "SIZE", "SHARED", "NOTE")
PINNED = 2
"""The mark and the name stay in view when the table scrolls sideways."""
NOTE_WIDTH = 20


def item_cells(row: InventoryRow, chosen: Selection | None) -> tuple[str | Text, ...]:
    """One row's cells: the mark (● delete, "tag" tag only, "@" the manifest with all its
    tags), name, kind, sizes, note."""
    mark = Text("")
    if chosen is not None:
        symbol = "tag" if chosen.untag_only else "@" if chosen.digest else "●"
        mark = Text(symbol, style="bold red")
    kind_style = {"cache image": "bold yellow", "untagged": "dim", "error": "bold red"}
    return (
        mark,
        row_name(row),
        Text(compact_kind(row.kind), style=kind_style.get(row.kind, "")),
        Text(format_size(row.size), justify="right"),
        Text(format_size(row.shared) if row.shared else "-", justify="right"),
        truncate(row.note, NOTE_WIDTH),
    )


class CleanupItems(DataTable[str | Text]):
    """Renders the rows it is given; the pane owns the selection."""

    DEFAULT_CSS = """
    CleanupItems {
        height: 1fr;
        border: round $primary-background-lighten-2;
    }
    CleanupItems:focus {
        border: round $primary;
    }
    """
    BINDINGS = [
        Binding("home", "scroll_top", "First row", show=False, id="cleanup.first"),
        Binding("end", "scroll_bottom", "Last row", show=False, id="cleanup.last"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True, fixed_columns=PINNED)

    def on_mount(self) -> None:
        self.border_title = "Tags, images and cache images"
        for key, header in zip(COLUMNS, HEADERS, strict=True):
            self.add_column(header, key=key)

    @property
    def current_key(self) -> str | None:
        if self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return str(key) if key is not None else None

    def show_rows(
        self, rows: Mapping[str, InventoryRow], selected: Mapping[str, Selection]
    ) -> None:
        current = self.current_key
        self.clear()
        for key, row in rows.items():
            self.add_row(*item_cells(row, selected.get(key)), key=key)
        if current is not None and current in rows:
            self.move_cursor(row=self.get_row_index(current))

    def update_row(self, row: InventoryRow, chosen: Selection | None) -> None:
        for column, value in zip(COLUMNS, item_cells(row, chosen), strict=True):
            self.update_cell(row.key, column, value, update_width=True)
