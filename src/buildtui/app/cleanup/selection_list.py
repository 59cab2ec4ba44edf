"""The Clean-up pane's selection list: the table of tags, images and cache images, the
selection made in it, and the highlighted row in full under it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from buildtui.app.cleanup.items import CleanupItems
from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.cleanup.plan import Selection
from buildtui.cleanup.present import InventoryRow, row_detail


class CleanupList(Vertical):
    """Holds the rows and what is selected; each `toggle…` says whether the selection changed
    (the pane plans again)."""

    DEFAULT_CSS = """
    CleanupList #cleanup-items {
        min-height: 8;
    }
    CleanupList #cleanup-row {
        height: auto;
        max-height: 3;
        padding: 0 1;
        color: $text-muted;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: dict[str, InventoryRow] = {}
        self.selected: dict[str, Selection] = {}

    def compose(self) -> ComposeResult:
        yield CleanupItems(id="cleanup-items")
        yield ScreenStatic(id="cleanup-row")

    @property
    def table(self) -> CleanupItems:
        return self.query_one(CleanupItems)

    def show_rows(self, rows: list[InventoryRow], also: Collection[str] = ()) -> None:
        """New rows; what was selected and is still listed (here, or in `also`: the space
        view's keys) stays selected."""
        self.rows = {row.key: row for row in rows}
        self.selected = {k: s for k, s in self.selected.items() if k in self.rows or k in also}
        self.table.show_rows(self.rows, self.selected)

    def choose(self, key: str, selection: Selection | None) -> None:
        """Select `key` as `selection` (None: unselect it); its row shows the mark."""
        if selection is None:
            self.selected.pop(key, None)
        else:
            self.selected[key] = selection
        if key in self.rows:
            self.table.update_row(self.rows[key], self.selected.get(key))

    def forget(self) -> None:
        """The registry went away: no rows on screen (the selection is kept)."""
        self.table.clear()
        self.query_one("#cleanup-row", Static).update("")

    def clear_selection(self) -> None:
        self.selected.clear()
        self.table.show_rows(self.rows, self.selected)

    def _changed(self, key: str) -> bool:
        self.table.update_row(self.rows[key], self.selected.get(key))
        return True

    def toggle(self) -> bool:
        """Select the highlighted row, or unselect it."""
        key = self.table.current_key
        if key is None:
            return False
        if key in self.selected:
            del self.selected[key]
        else:
            self.selected[key] = self.rows[key].selection
        return self._changed(key)

    def toggle_tag_only(self, key: str | None = None) -> bool:
        """Remove the highlighted tag (or `key`) only (keep its image), or the whole again."""
        key = key or self.table.current_key
        if key is None or key not in self.rows or self.rows[key].selection.tag is None:
            return False
        current = self.selected.get(key, self.rows[key].selection)
        self.selected[key] = replace(current, untag_only=not current.untag_only)
        return self._changed(key)

    def toggle_by_digest(self, key: str | None = None) -> bool:
        """Select the highlighted row's (or `key`'s) manifest with every tag on it, or
        unselect it."""
        key = key or self.table.current_key
        if key is None or key not in self.rows or not self.rows[key].digest:
            return False
        row = self.rows[key]
        by_digest = Selection(row.repository, digest=row.digest)
        if self.selected.get(key) == by_digest:
            del self.selected[key]
        else:
            self.selected[key] = by_digest
        return self._changed(key)

    @on(DataTable.RowHighlighted)
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        row = self.rows.get(str(event.row_key.value))
        self.query_one("#cleanup-row", Static).update(row_detail(row) if row else "")
