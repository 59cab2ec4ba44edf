"""A snapshot of the Builders pane with several builders (deterministic in-memory service)."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable

from tests.fakes.builders import FakeBuildersService
from tests.fakes.builders_app import builders_app
from tests.fakes.services import settle


def test_builders_pane_several_builders(snap_compare: Any) -> None:
    async def highlight_lab7(pilot: Pilot[None]) -> None:
        await settle(pilot)
        table = pilot.app.query_one("#builders-table", DataTable)
        table.move_cursor(row=2)  # lab7: its details show below the list
        await settle(pilot)

    assert snap_compare(
        builders_app(FakeBuildersService()),
        terminal_size=(130, 34),
        run_before=highlight_lab7,
    )
