"""The app's table widens a column as soon as a wider cell arrives: a frame drawn before
the table is next idle must not keep the cells cut at the old width (what the Lab pane
showed when its items replaced the "Looking…" rows, until the cursor moved)."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from buildtui.app.shared.screen_table import ScreenTable

EVIDENCE = "Build 2: cache exported to localhost:5000/cachedata1 (mode max)"


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield ScreenTable[str | Text]()


async def test_a_row_drawn_before_the_table_is_idle_is_shown_whole_after_it() -> None:
    app = Host()
    async with app.run_test(size=(100, 10)) as pilot:
        table = app.query_one(ScreenTable)
        table.add_column("Evidence", key="evidence")
        table.add_row("Looking…", key="item")
        await pilot.pause()
        table.clear()
        table.add_row(Text(EVIDENCE, style="dim"), key="item")
        drawn_at_once = table.render_line(1).text  # a frame before the idle measures it
        await pilot.pause()
        assert EVIDENCE in drawn_at_once
        assert EVIDENCE in table.render_line(1).text


async def test_an_updated_cell_asked_to_widen_is_shown_whole_at_once() -> None:
    app = Host()
    async with app.run_test(size=(100, 10)) as pilot:
        table = app.query_one(ScreenTable)
        table.add_column("Evidence", key="evidence")
        table.add_row("…", key="item")
        await pilot.pause()
        table.update_cell("item", "evidence", EVIDENCE, update_width=True)
        assert EVIDENCE in table.render_line(1).text
        await pilot.pause()
        assert EVIDENCE in table.render_line(1).text


async def test_a_column_of_fixed_width_and_an_empty_cell_keep_their_width() -> None:
    app = Host()
    async with app.run_test(size=(100, 10)) as pilot:
        table = app.query_one(ScreenTable)
        table.add_column("Step", key="step", width=6)
        table.add_column("N", key="note")
        table.add_row("a step longer than six", None, key="item")
        step, note = table.ordered_columns
        widths = (step.get_render_width(table), note.get_render_width(table))
        await pilot.pause()
        assert widths == (6 + 2, 1 + 2)  # each with its padding of one on either side
        assert (step.get_render_width(table), note.get_render_width(table)) == widths
