"""The Clean-up pane's space view, retention rules, referrers and -m, with Pilot: the real
service over the in-memory registry and container."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, Static

from buildtui.app.app import BuildTUI
from buildtui.app.cleanup.items import CleanupItems
from buildtui.app.cleanup.pane import CleanupPane
from buildtui.app.cleanup.retention_rules import RetentionRulesScreen
from buildtui.app.cleanup.space_table import SpaceTable
from buildtui.app.shared.confirm import ConfirmScreen
from buildtui.registry.present import format_size
from tests.fakes.cleanup import (
    V3_VERSION,
    FakeContainer,
    WritableFakeRegistry,
    fake_cleanup_service,
    space_fake_registry,
)
from tests.fakes.cleanup_app import cleanup_app, cleanup_pane
from tests.fakes.hostile_checks import ESCAPED, assert_safe
from tests.fakes.hostile_content import hostile_content_registry
from tests.fakes.services import settle

WIDE = (160, 48)
PROJECTOR = (100, 30)


def app_for(registry: WritableFakeRegistry, container: FakeContainer | None = None) -> BuildTUI:
    return cleanup_app(fake_cleanup_service(registry, container))


def ranking(app: App[None]) -> list[str]:
    return [str(row.key.value) for row in app.query_one(SpaceTable).ordered_rows]


def text_of(app: BuildTUI, selector: str) -> str:
    return str(app.query_one(selector, Static).render())


async def open_space(pilot: Pilot[None]) -> CleanupPane:
    await settle(pilot)
    await pilot.press("s")
    await settle(pilot)
    return cleanup_pane(pilot.app)


async def point_at(pilot: Pilot[None], key: str) -> None:
    table = pilot.app.query_one(SpaceTable)
    table.focus()
    table.move_cursor(row=ranking(pilot.app).index(key))
    await pilot.pause()


async def test_s_ranks_what_deleting_each_frees_and_draws_the_space() -> None:
    app = app_for(space_fake_registry())
    async with app.run_test(size=WIDE) as pilot:
        pane = await open_space(pilot)
        assert pane.has_class("-space")
        keys = ranking(app)
        report = pane.space.report
        assert report is not None
        assert keys == [row.key for row in report.rows]
        frees = [row.frees for row in report.rows]
        assert frees == sorted(frees, reverse=True)
        assert {"app (repository)", "app (untagged)", "cachedata1:latest"} <= set(keys)
        signature = next(row for row in report.rows if row.kind == "referrer")
        assert signature.subject == "signature of app:v5"
        table = app.query_one(SpaceTable)
        assert table.get_row("app:stable")[2].plain == "image"
        assert table.get_row("app:stable")[3].plain == "0 B"  # v4 keeps the manifest
        picture = text_of(app, "#plan-text")
        assert "By repository (█ frees if the repository is deleted whole" in picture
        assert "By kind (█ only manifests of this kind hold it" in picture
        assert "█" in picture and "░" in picture
        assert pane.plan_view.border_title == "Space"

        await pilot.press("s")
        await settle(pilot)
        assert not pane.has_class("-space")
        assert app.query_one(CleanupItems).has_focus


async def test_a_repository_row_selects_everything_in_it_and_the_what_if_is_the_plan() -> None:
    app = app_for(space_fake_registry())
    async with app.run_test(size=WIDE) as pilot:
        pane = await open_space(pilot)
        await point_at(pilot, "app (repository)")
        await pilot.press("space")
        await settle(pilot)

        assert set(pane.selected) == {
            "app:v1", "app:v2", "app:v3", "app:v4", "app:v5", "app:stable", "app (untagged)",
        }  # fmt: skip
        table = app.query_one(SpaceTable)
        assert table.get_row("app (repository)")[0].plain == "●"
        assert table.get_row("app:v3")[0].plain == "●"
        tags_view = app.query_one(CleanupItems).get_row("app:v3")[0]
        assert isinstance(tags_view, Text) and tags_view.plain == "●"  # the tags view too
        assert pane.space.report is not None
        row = pane.space.report.row("app (repository)")
        assert row is not None and pane.plan is not None
        assert pane.plan.reclaimed_bytes == row.frees
        line = text_of(app, "#space-what-if")
        assert line.startswith(f"7 selected: together they free {format_size(row.frees)}")
        assert "the rows add up to" in line  # v4 and stable free nothing alone

        await point_at(pilot, "app:v3")
        await pilot.press("space")
        await settle(pilot)
        assert table.get_row("app (repository)")[0].plain == "◐"
        assert "app:v3" not in pane.selected


async def test_rules_show_their_plan_first_and_delete_only_after_x() -> None:
    registry = space_fake_registry()
    app = app_for(registry)
    async with app.run_test(size=WIDE) as pilot:
        pane = await open_space(pilot)
        await point_at(pilot, "app:v5")
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, RetentionRulesScreen)
        assert app.screen.query_one("#rules-repository", Input).value == "app"
        await pilot.press("2", "tab", "1", "0", "d")
        command = str(app.screen.query_one("#rules-command", Static).render())
        assert command.endswith("rm app --keep-last 2 --older-than 10d --dry-run")
        await pilot.press("enter")
        await settle(pilot)

        assert set(pane.selected) == {"app:v1", "app:v2", "app:v3"}
        plan_text = text_of(app, "#plan-text")
        assert plan_text.startswith("Rules for app: keep the last 2, delete older than 10d")
        assert "keep   stable, v4  2026-11-15 10:00 UTC (config created)" in plan_text
        assert "DELETE v1  2026-11-01 10:00 UTC (config created)" in plan_text
        assert "Plan for localhost:5000: app:v3, app:v2, app:v1" in plan_text
        assert set(registry.tags["app"]) == {"v1", "v2", "v3", "v4", "v5", "stable"}  # dry run

        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.click("#confirm-ok")
        await settle(pilot)
        assert set(registry.tags["app"]) == {"v4", "v5", "stable"}


async def test_rules_that_keep_everything_select_nothing() -> None:
    app = app_for(space_fake_registry())
    async with app.run_test(size=WIDE) as pilot:
        pane = await open_space(pilot)
        await point_at(pilot, "app:v5")
        await pilot.press("k")
        await settle(pilot)
        await pilot.press("9", "enter")
        await settle(pilot)
        assert pane.selected == {}
        assert pane.plan is None


async def test_f_adds_the_referrers_the_plan_would_orphan() -> None:
    app = app_for(space_fake_registry())
    async with app.run_test(size=WIDE) as pilot:
        pane = await open_space(pilot)
        await point_at(pilot, "app:v5")
        await pilot.press("space")
        await settle(pilot)
        assert pane.plan is not None and len(pane.plan.orphans) == 1
        assert "would be left orphaned" in text_of(app, "#plan-text")

        await pilot.press("f")
        await settle(pilot)
        (orphan,) = [k for k in pane.selected if "@" in k]
        assert not pane.plan.orphans
        assert app.query_one(SpaceTable).get_row(orphan)[0].plain == "●"


async def test_collecting_with_minus_m_is_refused_on_2_8_and_offered_on_3() -> None:
    registry = space_fake_registry()
    app = app_for(registry)
    async with app.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("M")
        await settle(pilot)
        message = text_of(app, "#cleanup-message")
        assert "Garbage collection cannot run" in message
        assert "this registry is distribution 2.8.2" in message
        assert not isinstance(app.screen, ConfirmScreen)

    v3 = app_for(registry, FakeContainer(registry, version_text=V3_VERSION))
    async with v3.run_test(size=WIDE) as pilot:
        await settle(pilot)
        await pilot.press("M")
        await settle(pilot)
        assert isinstance(v3.screen, ConfirmScreen)
        assert "garbage-collect --delete-untagged" in str(
            v3.screen.query_one("#confirm-body").render()
        )


async def test_the_space_view_fits_the_projector() -> None:
    app = app_for(space_fake_registry())
    async with app.run_test(size=PROJECTOR) as pilot:
        pane = await open_space(pilot)
        table = app.query_one(SpaceTable)
        assert table.region.height >= 8
        assert pane.plan_view.region.bottom <= PROJECTOR[1]
        await point_at(pilot, "cachedata1:latest")
        await pilot.press("space")
        await settle(pilot)
        assert text_of(app, "#space-what-if").startswith("1 selected: together they free")


async def test_the_space_view_shows_hostile_names_as_text(tmp_path: Path) -> None:
    """Every ranked row, its line in full, the picture and the rules form: text, never
    markup, control characters as visible escapes."""
    registry = hostile_content_registry(tmp_path)
    app = cleanup_app(fake_cleanup_service(registry))
    async with app.run_test(size=WIDE) as pilot:
        pane = await open_space(pilot)
        seen = [assert_safe(app, "the space view")]
        table = app.query_one(SpaceTable)
        table.focus()
        for row in range(table.row_count):
            table.move_cursor(row=row)
            await pilot.pause()
            seen.append(assert_safe(app, f"ranked row {row}"))
        await pilot.press("space")
        await settle(pilot)
        seen.append(assert_safe(app, "the what-if and the plan"))
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, RetentionRulesScreen)
        await pilot.press("1", "enter")
        await settle(pilot)
        seen.append(assert_safe(app, "the rules' plan"))
        assert pane.space.report is not None
    assert ESCAPED in "\n".join(seen)
    assert not (tmp_path / "victim.txt").exists()
