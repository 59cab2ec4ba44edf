"""The Build pane marks the first miss of each stage once the build is over, and keeps it."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static

from buildtui.app.builds.pane import BuildPane
from buildtui.builds.presentation import HISTORY_COLUMNS
from tests.fakes.build import ReplayBuildService, captured_log
from tests.fakes.build_app import build_app, build_pane
from tests.fakes.services import settle


def text_of(pane: BuildPane, selector: str) -> str:
    return str(pane.query_one(selector, Static).render())


async def test_a_build_that_missed_marks_the_step_summary_and_history(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile_multi").write_text("FROM localhost:32769/busybox:latest AS build1\n")
    service = ReplayBuildService(captured_log("lab-second-build.log"))
    app = build_app(service, tmp_path / "h.sqlite3")
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(pilot)
        pane = build_pane(app)
        await pilot.click("#preset")
        await pilot.press("f5")
        await settle(pilot)
        assert "cache broken here" not in text_of(pane, "#steps")
        # The same build again, but nothing comes from the cache now (a pruned cache).
        service.lines = captured_log("lab-first-build.log")
        await pilot.press("f5")
        await settle(pilot)
        steps = text_of(pane, "#steps")
        assert steps.count("◀ cache broken here") == 4
        assert "why: no step came from the cache: no cache was imported" in steps
        summary = text_of(pane, "#summary")
        assert "Cache broken here: linux/amd64 · build1: cache broken at step 2 RUN echo" in summary
        first = pane.entries[0]
        assert first.id == 2 and len(first.summary.first_misses) == 4
        table = pane.query_one("#history-table", DataTable)
        broken_at = HISTORY_COLUMNS.index("cache broken first at")
        row = [str(cell) for cell in table.get_row_at(0)]
        assert row[broken_at] == "2 RUN echo hello from buil: no-cache (+3)"
        assert str(table.get_row_at(1)[broken_at]) == "-"
