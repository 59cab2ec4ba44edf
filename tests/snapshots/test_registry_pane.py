"""A snapshot of the Registry pane showing lab:cachetest (deterministic in-memory registry)."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, OptionList

from tests.fakes.registry import fake_service, lab_registry
from tests.fakes.registry_app import registry_app
from tests.fakes.services import settle


def test_registry_pane_multi_arch_index(snap_compare: Any) -> None:
    async def open_cachetest(pilot: Pilot[None]) -> None:
        await settle(pilot)
        pilot.app.query_one("#registry-repos", OptionList).highlighted = 3  # lab
        await settle(pilot)
        table = pilot.app.query_one("#registry-tags", DataTable)
        table.focus()
        table.move_cursor(row=0)  # cachetest
        await settle(pilot)

    assert snap_compare(
        registry_app(fake_service(lab_registry())),
        terminal_size=(150, 40),
        run_before=open_cachetest,
    )


def test_registry_pane_zoomed_at_100x30(snap_compare: Any) -> None:
    """`z`: the manifest panel alone on the pane, both platforms and both attestations."""

    async def zoom_cachetest(pilot: Pilot[None]) -> None:
        await settle(pilot)
        pilot.app.query_one("#registry-repos", OptionList).highlighted = 3  # lab
        await settle(pilot)
        table = pilot.app.query_one("#registry-tags", DataTable)
        table.focus()
        table.move_cursor(row=0)  # cachetest
        await settle(pilot)
        await pilot.press("z")
        await settle(pilot)

    assert snap_compare(
        registry_app(fake_service(lab_registry())),
        terminal_size=(100, 30),
        run_before=zoom_cachetest,
    )
