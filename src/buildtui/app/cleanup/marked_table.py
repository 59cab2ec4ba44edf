"""What the Clean-up pane's two tables share: rows to mark, the mark and the name pinned
(fixed columns: whatever is scrolled into view, the row under the cursor shows what
`space` selects), `Home`/`End` moving the cursor to the first and last row instead of
scrolling sideways, and their border.

`CleanupItems` (the tags, `items.py`) and `SpaceTable` (the ranking, `space_table.py`)
keep what differs: their columns and title, their rows' cells and marks, and the ids of
their keys (`binding_ids`: a keymap remaps one table's `Home` without the other's).
"""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.widgets.data_table import CellType

from buildtui.app.shared.screen_table import ScreenTable
from buildtui.i18n import N_

PINNED = 2
"""The mark and the name stay in view when the table scrolls sideways."""


class MarkedTable(ScreenTable[CellType]):
    """A table of rows to mark; the pane owns the selection."""

    DEFAULT_CSS = """
    MarkedTable {
        height: 1fr;
        border: round $primary-background-lighten-2;
    }
    MarkedTable:focus {
        border: round $primary;
    }
    """

    def __init_subclass__(cls, binding_ids: str = "", **kwargs: Any) -> None:
        """`class T(MarkedTable[...], binding_ids="…")`: Home and End, with the ids
        `….first` and `….last`."""
        if binding_ids:
            cls.BINDINGS = [
                Binding(
                    "home", "scroll_top", N_("First row"), show=False, id=f"{binding_ids}.first"
                ),
                Binding(
                    "end", "scroll_bottom", N_("Last row"), show=False, id=f"{binding_ids}.last"
                ),
            ]
        super().__init_subclass__(**kwargs)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True, fixed_columns=PINNED)

    @property
    def current_key(self) -> str | None:
        """The key of the row under the cursor (None: no rows)."""
        if self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return str(key) if key is not None else None
