"""Snapshots of the Clean-up pane's space view: the ranking and the picture at 160x48, a
repository selected with what it frees at 100x30, and the plan of retention rules."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from buildtui.app.cleanup.space_table import SpaceTable
from tests.fakes.cleanup import fake_cleanup_service, space_fake_registry
from tests.fakes.cleanup_app import cleanup_app
from tests.fakes.services import settle


async def open_space(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await pilot.press("s")
    await settle(pilot)


async def point_at(pilot: Pilot[None], key: str) -> None:
    table = pilot.app.query_one(SpaceTable)
    table.focus()
    keys = [str(row.key.value) for row in table.ordered_rows]
    table.move_cursor(row=keys.index(key))
    await pilot.pause()


async def select(pilot: Pilot[None], key: str) -> None:
    await point_at(pilot, key)
    await pilot.press("space")
    await settle(pilot)


def test_space_view_ranks_and_draws_the_registry(snap_compare: Any) -> None:
    assert snap_compare(
        cleanup_app(fake_cleanup_service(space_fake_registry())),
        terminal_size=(160, 48),
        run_before=open_space,
    )


def test_space_view_at_the_projector_size_with_a_repository_selected(snap_compare: Any) -> None:
    async def run(pilot: Pilot[None]) -> None:
        await open_space(pilot)
        await select(pilot, "app (repository)")

    assert snap_compare(
        cleanup_app(fake_cleanup_service(space_fake_registry())),
        terminal_size=(100, 30),
        run_before=run,
    )


def test_space_view_shows_the_plan_of_retention_rules(snap_compare: Any) -> None:
    async def run(pilot: Pilot[None]) -> None:
        await open_space(pilot)
        await point_at(pilot, "app:v5")
        await pilot.press("k")  # the form, for app (the highlighted row's repository)
        await settle(pilot)
        await pilot.press("2", "enter")  # keep the last 2
        await settle(pilot)

    assert snap_compare(
        cleanup_app(fake_cleanup_service(space_fake_registry())),
        terminal_size=(160, 48),
        run_before=run,
    )
