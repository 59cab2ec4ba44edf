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


SECRET = "hunter2-token"
EXPANDED_LOG = [
    '#0 building with "default" instance using docker driver',
    f"#5 [2/3] RUN echo {SECRET} && echo one",
    f"#5 0.201 {SECRET}",
    "#5 DONE 0.3s",
    "#6 [3/3] RUN false",
    f'ERROR: process "/bin/sh -c echo {SECRET}" did not complete successfully',
]


async def test_the_log_steps_summary_history_and_compare_view_hold_no_value(
    tmp_path: Path,
) -> None:
    """BuildKit expands the value into the step's name; the pane shows «TOKEN» there, in
    the log, the summary, the history and the comparison of two builds."""
    from buildtui.app.builds.compare import BuildCompareScreen

    service = ReplayBuildService(EXPANDED_LOG)
    app = build_app(service, tmp_path / "h.sqlite3")
    argv = ["docker", "buildx", "build", "--build-arg", f"TOKEN={SECRET}", "."]
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(pilot)
        pane = build_pane(app)
        for _ in range(2):
            pane.start_build(argv)
            await settle(pilot)
        live = pane.live
        assert live is not None
        shown = [
            str(pane.query_one("#steps", Static).render()),
            str(pane.query_one("#summary", Static).render()),
            "\n".join(live.lines),
        ]
        assert "RUN echo «TOKEN» && echo one" in shown[0]
        assert not any(SECRET in text for text in shown)
        await pilot.press("f6")
        await settle(pilot)
        table = pane.query_one("#history-table", DataTable)
        for row in range(table.row_count):
            assert not any(SECRET in str(cell) for cell in table.get_row_at(row))
        pane.query_one("#history-table", DataTable).move_cursor(row=0)
        await pilot.press("c")
        pane.query_one("#history-table", DataTable).move_cursor(row=1)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, BuildCompareScreen)
        texts = [str(w.render()) for w in app.screen.query(Static)]
        assert any("«TOKEN»" in t for t in texts)
        assert not any(SECRET in t for t in texts)
