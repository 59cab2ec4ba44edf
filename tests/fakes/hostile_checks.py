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
    app = pilot.app
    assert isinstance(app, BuildTUI)
    repos = app.query_one("#registry-repos", OptionList)
    for index in range(repos.option_count):
        repos.focus()
        repos.highlighted = index
        await settle(pilot)
        seen.append(assert_safe(app, f"repository {index}"))
        table = app.query_one("#registry-tags", DataTable)
        for row in range(table.row_count):
            table.focus()
            table.move_cursor(row=row)
            await settle(pilot)
            seen.append(assert_safe(app, f"repository {index} tag {row}"))
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
                    seen.append(assert_safe(app, f"raw JSON of node {line}"))
                    await pilot.press("escape")
                    await pilot.pause()
