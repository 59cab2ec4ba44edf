"""A snapshot of the Clean-up pane planning the deletion of the lab's cache image."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from buildtui.app.cleanup.items import CleanupItems
from tests.fakes.cleanup import fake_cleanup_service, lab_fake_registry
from tests.fakes.cleanup_app import cleanup_app
from tests.fakes.services import settle


def test_cleanup_pane_plans_the_cache_deletion(snap_compare: Any) -> None:
    async def select_cache(pilot: Pilot[None]) -> None:
        await settle(pilot)
        table = pilot.app.query_one(CleanupItems)
        table.focus()
        table.move_cursor(row=3)  # cachedata1:latest
        await pilot.press("space")
        await settle(pilot)

    assert snap_compare(
        cleanup_app(fake_cleanup_service(lab_fake_registry())),
        terminal_size=(160, 45),
        run_before=select_cache,
    )
