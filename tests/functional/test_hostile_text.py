"""Text from a hostile registry, build, buildx or engine, through every pane, tree, table,
raw view, plan, confirmation, error box and notification: shown as text, its control
characters as visible escapes, its markup as the characters it is made of.

After every step the exported screen (the cells a terminal would get) holds no control
character, no widget's line carries an `@click` that hostile markup asked for, and the app
still runs. Clicking the hostile text does nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.screen import ModalScreen
from textual.widgets import DataTable, OptionList

from buildtui.app.app import make_app
from buildtui.app.registry.manifest_tree import ManifestTree
from buildtui.app.shared.confirm import ConfirmScreen
from tests.fakes.cleanup import fake_cleanup_service
from tests.fakes.cleanup_app import cleanup_app
from tests.fakes.hostile_app import hostile_services
from tests.fakes.hostile_checks import (
    ESCAPED,
    assert_safe,
    repositories,
    show_repository,
    tag_table,
    walk_tag,
)
from tests.fakes.hostile_content import (
    EVIL,
    evil,
    hostile_content_registry,
    screenshot_markup,
)
from tests.fakes.registry import fake_service
from tests.fakes.registry_app import registry_app
from tests.fakes.screen import (
    find_on_screen,
)
from tests.fakes.services import settle, until

SIZE = (160, 48)


EVERYWHERE = ("repo", "tag", "os", "arch", "variant")
"""Shown with every tag: names the grammar forbids (the refusal, the tag table), and
the platforms of the tag table."""

TAGS = {
    "art": ("artifact", "title", "layertype"),
    "cache": ("cachetype",),
    "cfg": ("annotation", "annotated", "created", "entrypoint", "cmd", "history", "mediatype"),
    "gone": ("CODE",),  # an error body
    "idx": ("entry", "index", "annotation", "builder", "frontend", "material"),  # + SLSA
    evil("tag"): (),
}
"""Each tag of the hostile repository, and what of it is shown only with it."""


@pytest.mark.parametrize("tag", TAGS, ids=lambda tag: tag[:5].strip("\x1b]"))
async def test_registry_pane_shows_hostile_content_as_text(tmp_path: Path, tag: str) -> None:
    """A tag's row, its raw JSON, its tree opened whole and a raw view of its nodes."""
    registry = hostile_content_registry(tmp_path)
    app = registry_app(fake_service(registry))
    seen: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await show_repository(pilot, seen, 0)
        await walk_tag(pilot, seen, tag_table(pilot).get_row_index(tag))
    everything = "\n".join(seen)
    # What each kind of field looks like: escapes and markup, visible.
    assert ESCAPED in everything
    assert "[@click=app.quit]QUIT[/][/][bold" in everything
    assert screenshot_markup(tmp_path)[:30] in everything  # the architecture, as text
    for label in (*EVERYWHERE, *TAGS[tag]):
        assert f"{label}{ESCAPED}" in everything, f"{label} is not shown"
    if tag in ("cfg", "idx"):
        assert "feature\\u001b]0;PWNED" in everything  # os.features, in the raw JSON
    assert not (tmp_path / "victim.txt").exists()


async def test_registry_pane_shows_hostile_repositories_as_text(tmp_path: Path) -> None:
    """Every repository, and the tags of those that are not the hostile one."""
    registry = hostile_content_registry(tmp_path)
    app = registry_app(fake_service(registry))
    seen: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        seen.append(assert_safe(app, "start"))
        for index in range(repositories(pilot).option_count):
            await show_repository(pilot, seen, index)
            if index > 0:
                for row in range(tag_table(pilot).row_count):
                    await walk_tag(pilot, seen, row)
    everything = "\n".join(seen)
    assert "repo" + ESCAPED in everything  # a name the grammar forbids, in the refusal
    assert "the token server 'http://auth.invalid/\\x1b]0;PWNED" in everything  # the realm
    assert not (tmp_path / "victim.txt").exists()


async def test_clicking_hostile_text_does_nothing(tmp_path: Path) -> None:
    registry = hostile_content_registry(tmp_path)
    app = registry_app(fake_service(registry))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        repos = app.query_one("#registry-repos", OptionList)
        table = app.query_one("#registry-tags", DataTable)
        for tag in ("cfg", "idx"):
            # (A click on the list may have chosen another repository: a plain click.)
            repos.highlighted = 0  # evil
            await settle(pilot)
            table.focus()
            table.move_cursor(row=table.get_row_index(tag))
            await settle(pilot)
            spots = find_on_screen(app, "CLICK") + find_on_screen(app, "QUIT")
            assert spots, f"the hostile text of {tag} is not on screen"
            for spot in spots:
                await pilot.click(offset=(spot.x, spot.y))
                await pilot.pause(0.1)
                if isinstance(app.screen, ModalScreen):
                    await pilot.press("escape")
                assert app.is_running, f"a click at {spot} stopped the app"
        assert_safe(app, "after the clicks")
    assert app.return_code in (None, 0)
    assert not (tmp_path / "victim.txt").exists()


async def test_cleanup_plan_and_confirmation_show_hostile_names_as_text(tmp_path: Path) -> None:
    registry = hostile_content_registry(tmp_path)
    app = cleanup_app(fake_cleanup_service(registry))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert_safe(app, "the clean-up list")
        table = app.query_one("#cleanup-items", DataTable)
        table.focus()
        for row in range(table.row_count):  # each row, its line in full under the table
            table.move_cursor(row=row)
            await pilot.pause()
            assert_safe(app, f"row {row}")
        for key in ("evil:idx", "evil:cfg", "evil:art"):
            table.move_cursor(row=table.get_row_index(key))
            await pilot.press("space")
            await pilot.pause()
            assert_safe(app, f"the plan with {key}")  # refused: two tags cannot be read
        # Without the tags that cannot be read, the plan goes on to its confirmation.
        del registry.tags["evil"]["gone"]
        del registry.tags["evil"][evil("tag")]
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ModalScreen), "asking")
        text = assert_safe(app, "the confirmation")
        if isinstance(app.screen, ConfirmScreen):
            await pilot.press("escape")
        await pilot.pause()
        assert_safe(app, "after the confirmation")
    assert f"arch{ESCAPED}" in text  # the index's platform, in what the deletion removes


async def test_notifications_are_text_not_markup(tmp_path: Path) -> None:
    registry = hostile_content_registry(tmp_path)
    app = registry_app(fake_service(registry))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        app.notify(f"note{EVIL} {screenshot_markup(tmp_path)}", title=f"title{EVIL}")
        app.query_one(ManifestTree).notify(f"widget{EVIL}", severity="error")
        await pilot.pause(0.2)
        text = assert_safe(app, "toasts")
        assert f"note{ESCAPED}" in text and f"widget{ESCAPED}" in text
        assert "[@click=app.screensho" in text
        for spot in find_on_screen(app, "CLICK"):
            await pilot.click(offset=(spot.x, spot.y))
        await pilot.pause()
        assert app.is_running
    assert not (tmp_path / "victim.txt").exists()


EVERY_PANE = {
    "builders": (
        ("1",),  # builders: the table and the first builder's details
        ("down",),
        ("down",),  # the hostile builder and its broken node
        ("i",),  # buildx inspect
        ("escape",),
        ("D",),  # buildx du: records describe a context's steps
        ("escape",),
        ("x",),  # the removal's confirmation names the builder
        ("escape",),
    ),
    "build": (
        ("2",),
        ("f5",),  # a build whose log is hostile: the steps view
        ("f4",),  # its raw log
        ("f6",),  # the history: that build, and one kept with raw lines
        ("o",),
        ("f4",),
        ("f6",),
        ("c", "down", "c"),  # the two compared
        ("escape",),
    ),
    "the others": (
        ("3",),
        ("4",),
        ("5",),
        ("d",),  # the doctor
        ("escape",),
    ),
}
"""The keys that go through each pane, its screens and dialogs, in three walks."""

SHOWN = {
    "builders": (
        {"InspectBuilderScreen", "DiskUsageScreen", "RemoveBuilderScreen"},
        ("node", "endpoint", "step"),
    ),
    "build": ({"BuildCompareScreen"}, ("output", "solve")),
    "the others": ({"DoctorScreen"}, ("version", "engine", "fix")),
}
"""The screens each walk opens, and the hostile fields it shows."""


@pytest.mark.parametrize("walk", EVERY_PANE)
async def test_every_pane_shows_hostile_text_as_text(tmp_path: Path, walk: str) -> None:
    settings, services, _ = hostile_services(tmp_path / "data", tmp_path)
    app = make_app(settings, services)
    seen: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screens = set()
        for keys in EVERY_PANE[walk]:
            await pilot.press(*keys)
            await settle(pilot)
            seen.append(assert_safe(app, f"after {keys}"))
            screens.add(type(app.screen).__name__)
    everything = "\n".join(seen)
    opened, labels = SHOWN[walk]
    assert screens >= opened
    for label in labels:
        assert f"{label}{ESCAPED}" in everything, f"{label} is not shown"
    assert not (tmp_path / "victim.txt").exists()
