"""The tests' reading of a screen (`tests/fakes/screen.py`) finds what is there: every
`@click` a cell carries, as `Screen.get_style_at` finds it cell by cell, and those a
modal or a scroll hides."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tests.fakes.screen import click_actions


class Dialog(ModalScreen[None]):
    DEFAULT_CSS = "Dialog { align: center middle; } Dialog > Static { width: 30; height: 3; }"

    def compose(self) -> ComposeResult:
        yield Static("[@click=app.dialog]in the dialog[/]")


class Links(App[None]):
    CSS = "#scroll { height: 6; }"

    def compose(self) -> ComposeResult:
        yield Static("plain, then [@click=app.top]a link[/] at the end of the line")
        with VerticalScroll(id="scroll"):
            yield Static("\n".join(["line"] * 20 + ["[@click=app.scrolled]far below[/]"]))
        yield Static("[@click=app.bottom]under the dialog[/]", id="bottom")


def cell_by_cell(app: App[Any]) -> set[str]:
    width, height = app.size
    found = set()
    for y in range(height):
        for x in range(width):
            meta = app.screen.get_style_at(x, y).meta
            if "@click" in meta:
                found.add(str(meta["@click"]))
    return found


async def test_every_click_on_screen_is_found_and_those_hidden_too() -> None:
    app = Links()
    async with app.run_test(size=(60, 16)) as pilot:
        await pilot.pause()
        shown = cell_by_cell(app)
        assert shown == {"app.top", "app.bottom"}
        assert click_actions(app) == shown | {"app.scrolled"}  # scrolled out of view
        app.push_screen(Dialog())
        await pilot.pause()
        assert "app.dialog" in cell_by_cell(app)
        assert click_actions(app) == {"app.top", "app.bottom", "app.scrolled", "app.dialog"}
