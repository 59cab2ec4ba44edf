"""The Build pane hides --build-arg values (NAME=…) until `v`, and re-runs with them."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static

from tests.fakes.build import ReplayBuildService, captured_log
from tests.fakes.build_app import build_app, build_pane
from tests.fakes.services import settle

ARGV = ["docker", "buildx", "build", "--build-arg", "TOKEN=s3cret", "--progress=plain", "."]


async def test_values_hidden_in_history_and_header_until_v(tmp_path: Path) -> None:
    service = ReplayBuildService(captured_log("lab-second-build.log"))
    app = build_app(service, tmp_path / "h.sqlite3")
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(pilot)
        pane = build_pane(app)
        pane.start_build(ARGV)
        await settle(pilot)
        await pilot.press("f3")
        header = pane.query_one("#build-command", Static)
        assert "--build-arg TOKEN=…" in str(header.render())
        await pilot.press("f6")
        await settle(pilot)
        table = pane.query_one("#history-table", DataTable)
        # The rows show what tells builds apart (tags, cache, platforms), never the values.
        assert not any("s3cret" in str(cell) for cell in table.get_row_at(0))

        await pilot.press("v")
        await pilot.pause()
        assert not any("s3cret" in str(cell) for cell in table.get_row_at(0))
        assert "TOKEN=s3cret" in str(header.render())

        await pilot.press("v", "r")
        await settle(pilot)
        assert "s3cret" not in str(header.render())
        assert service.started == [ARGV, ARGV]
