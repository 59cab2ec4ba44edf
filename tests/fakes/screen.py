"""What a Pilot test's app has on screen, read from its exported screenshot (public API).

`app.export_screenshot()` is the SVG of the exact cells the terminal would get; its text
is every character the app would send to a terminal (a raw ESC included, were there
one). `screen_lines` rebuilds the rows of cells from it, so that a test can find where
some text is and click there.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.syntax import Syntax
from textual.app import App
from textual.geometry import Region
from textual.widgets import DataTable, Static, Tree
from textual.widgets.tree import TreeNode

_TEXT = re.compile(
    r'<text class="[^"]*" x="(?P<x>[0-9.]+)" y="[0-9.]+" textLength="[0-9.]+" '
    r'clip-path="url\(#[^"]*-line-(?P<row>\d+)\)">(?P<text>.*?)</text>',
    re.DOTALL,
)
CELL_WIDTH = 12.2
"""Rich's SVG export: each cell is 0.61 of a 20-unit font wide."""


def screen_svg(app: App[Any]) -> str:
    return app.export_screenshot()


def screen_text(svg: str) -> str:
    """Every character of the screen's text, in the order the SVG holds it."""
    return "".join(html.unescape(m["text"]) for m in _TEXT.finditer(svg)).replace("\xa0", " ")


def screen_lines(app: App[Any]) -> list[str]:
    """The screen as rows of cells (a wide character fills its first cell, then `""`)."""
    width, height = app.size
    rows = [[" "] * width for _ in range(height)]
    for match in _TEXT.finditer(screen_svg(app)):
        row = int(match["row"])
        column = round(float(match["x"]) / CELL_WIDTH)
        for char in html.unescape(match["text"]).replace("\xa0", " "):
            if char == "\n" or row >= height:
                continue
            for cell in range(cell_len(char)):
                if column + cell < width:
                    rows[row][column + cell] = char if cell == 0 else ""
            column += cell_len(char)
    return ["".join(row) for row in rows]


@dataclass(frozen=True)
class Spot:
    x: int
    y: int


def find_on_screen(app: App[Any], needle: str) -> list[Spot]:
    """Where `needle` starts on screen, row by row (cells of plain ASCII text)."""
    spots = []
    for y, line in enumerate(screen_lines(app)):
        start = line.find(needle)
        while start >= 0:
            spots.append(Spot(start, y))
            start = line.find(needle, start + 1)
    return spots


def click_actions(app: App[Any]) -> set[str]:
    """The `@click` actions that the lines of every widget laid out on the screens carry:
    what the screen shows included (a modal's backdrop is drawn from the screens below it,
    and a widget scrolled out of view, under another or behind a modal is searched too).

    A cell's style is the style of the segment that its widget's line has there, so this
    finds whatever `Screen.get_style_at` would find on any cell, with each line rendered
    once instead of once per cell."""
    found = set()
    for screen in app.screen_stack:
        for widget in screen.query("*"):
            region = widget.region
            if not region:
                continue  # not laid out: not shown
            for strip in widget.render_lines(Region(0, 0, region.width, region.height)):
                for segment in strip:
                    meta = segment.style.meta if segment.style else {}
                    if "@click" in meta:
                        found.add(str(meta["@click"]))
    return found


def widget_texts(app: App[Any]) -> str:
    """The whole text the screen's widgets hold (what a narrow screen cuts included):
    every static's content, every table cell, every tree label."""
    parts: list[str] = []
    for static in app.screen.query(Static):
        visual = static.render()
        parts.append(visual.code if isinstance(visual, Syntax) else str(visual))
    for table in app.screen.query(DataTable):
        for row in table.ordered_rows:
            parts += [str(cell) for cell in table.get_row(row.key)]
    for tree in app.screen.query(Tree):
        nodes: list[TreeNode[object]] = [tree.root]
        while nodes:
            node = nodes.pop()
            parts.append(str(node.label))
            nodes += node.children
    return "\n".join(parts)
