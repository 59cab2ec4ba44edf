"""Checks for a screen that shows hostile text (`hostile_content`): nothing raw reaches the
terminal, nothing hostile can be clicked, the app runs; and a walk through the Registry
pane that shows every repository, tag, tree node and raw view (the Pilot tests and the
integration test against a real registry:2 share them)."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import DataTable, OptionList

from buildtui.app.app import BuildTUI
from buildtui.app.registry.manifest_tree import ManifestTree
from buildtui.app.registry.raw_manifest import RawManifestScreen
from tests.fakes.hostile_content import ACTIONS, RAW_CONTROLS
from tests.fakes.screen import click_actions, screen_svg, screen_text, widget_texts
from tests.fakes.services import settle

ESCAPED = "\\x1b]0;PWNED"
"""How the start of every hostile value looks on screen."""


def assert_safe(app: BuildTUI, where: str) -> str:
    """The screen holds no control character and no hostile action, and the app runs;
    the screen's text and its widgets' whole text."""
    text = screen_text(screen_svg(app))
    raw = RAW_CONTROLS.findall(text)
    assert not raw, f"{where}: {raw[:5]} reached the screen"
    hostile = [a for a in click_actions(app) if any(word in a for word in ACTIONS)]
    assert not hostile, f"{where}: clickable {hostile}"
    assert app.is_running, f"{where}: the app stopped"
    held = widget_texts(app)
    assert not RAW_CONTROLS.findall(held), f"{where}: a widget holds a raw control character"
    return f"{text}\n{held}"


async def walk_registry(pilot: Pilot[None], seen: list[str]) -> None:
    """Every repository, every tag, every tree node opened, a raw view of each node."""
    for index in range(repositories(pilot).option_count):
        await show_repository(pilot, seen, index)
        for row in range(tag_table(pilot).row_count):
            await walk_tag(pilot, seen, row)


def repositories(pilot: Pilot[None]) -> OptionList:
    return pilot.app.query_one("#registry-repos", OptionList)


def tag_table(pilot: Pilot[None]) -> DataTable[object]:
    return pilot.app.query_one("#registry-tags", DataTable)


async def show_repository(pilot: Pilot[None], seen: list[str], index: int) -> None:
    """The repository at `index` chosen, its tags listed."""
    app = pilot.app
    assert isinstance(app, BuildTUI)
    repos = repositories(pilot)
    repos.focus()
    repos.highlighted = index
    await settle(pilot)
    seen.append(assert_safe(app, f"repository {index}"))


async def walk_tag(pilot: Pilot[None], seen: list[str], row: int) -> None:
    """The tag at `row` of the chosen repository: its row, its raw JSON, its tree opened,
    and a raw view of each of the tree's first 12 nodes."""
    app = pilot.app
    assert isinstance(app, BuildTUI)
    table = tag_table(pilot)
    table.focus()
    table.move_cursor(row=row)
    await settle(pilot)
    seen.append(assert_safe(app, f"tag {row}"))
    await pilot.press("v")
    await pilot.pause()
    if isinstance(app.screen, RawManifestScreen):
        seen.append(assert_safe(app, f"raw JSON of tag {row}"))
        await pilot.press("escape")
    tree = app.query_one(ManifestTree)
    tree.focus()
    tree.move_cursor(tree.root)
    await pilot.press("asterisk")  # open everything
    await pilot.pause()
    seen.append(assert_safe(app, f"tree of tag {row}"))
    for line in range(min(tree.last_line + 1, 12)):
        tree.move_cursor_to_line(line)
        await pilot.press("v")
        await pilot.pause()
        if isinstance(app.screen, RawManifestScreen):
            seen.append(assert_safe(app, f"raw JSON of node {line} of tag {row}"))
            await pilot.press("escape")
            await pilot.pause()
