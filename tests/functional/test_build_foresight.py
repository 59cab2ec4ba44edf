"""The Build pane's foresight: the form forecasts its build as it changes (in a worker,
a stale forecast dropped), every build keeps its forecast and says whether it was right,
and g / t / a show the stage graph, where the time went and the advice beside the steps;
the command line's --forecast and --advice on the same history."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Sequence
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from buildtui.app.builds.form_view import BuildFormView
from buildtui.app.builds.pane import BuildPane
from buildtui.app.builds.pictures_view import BuildPicturesView
from buildtui.app.builds.steps import BuildSteps
from buildtui.builds.evidence import BuildEvidence, collect
from buildtui.builds.forecast import Forecast
from buildtui.builds.forecaster import Forecaster
from buildtui.builds.history import BuildHistory
from buildtui.commands.build import run_advice, run_forecast
from tests.fakes.build import ReplayBuildService, captured_log
from tests.fakes.build_app import build_app, build_pane
from tests.fakes.forecast import FakeFacts, Project, keep_lab_builds, planned_summary
from tests.fakes.services import settle

DOCKERFILE = "FROM localhost:5000/busybox:latest\nCOPY src/ /src/\nRUN ls /src\n"
DIGEST = "sha256:" + "3" * 64


def text_of(pane: BuildPane, selector: str) -> str:
    return str(pane.query_one(selector, Static).render())


async def forecast_shown(pilot: Pilot[None], pane: BuildPane, expected: str) -> str:
    """The form's forecast once it says `expected` (the form waits half a second after a
    change, then a worker forecasts; an earlier command's forecast may show meanwhile),
    or what it says after 20 s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20
    shown = text_of(pane, "#forecast-preview")
    while shown != expected and loop.time() < deadline:
        await pilot.pause(0.1)
        await settle(pilot)
        shown = text_of(pane, "#forecast-preview")
    return shown


def picture(pane: BuildPane) -> str:
    return pane.query_one(BuildPicturesView).query_one("#picture", BuildSteps).semantic.plain


def project_with_a_build(tmp_path: Path) -> Project:
    project = Project(tmp_path, DOCKERFILE, {"src/index.js": "one\n"})
    digests = {"localhost:5000/busybox:latest": DIGEST}
    project.keep(planned_summary(DOCKERFILE, digests=digests))
    return project


async def test_the_form_forecasts_its_build_as_it_changes(tmp_path: Path) -> None:
    project = project_with_a_build(tmp_path)
    facts = FakeFacts(digests={"localhost:5000/busybox:latest": DIGEST})
    service = ReplayBuildService(captured_log("lab-second-build.log"))
    app = build_app(service, project.history.path, forecasting=project.forecaster(facts))
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(pilot)
        pane = build_pane(app)
        pane.query_one("#context", Input).value = str(project.context)
        cached = "Forecast: all 2 steps will come from the cache."
        assert await forecast_shown(pilot, pane, cached) == cached
        (project.context / "src" / "index.js").write_text("two\n")
        pane.query_one("#context", Input).value = str(project.context) + "/"
        missed = (
            "Forecast: steps 2\u20133 of the build will miss: changed since build #1: src/index.js"
        )
        assert await forecast_shown(pilot, pane, missed) == missed
        # A forecast of a command the form no longer shows is dropped.
        view = pane.query_one("#view-form", BuildFormView)
        stale = view.ForecastMade(["docker", "buildx", "build", "elsewhere"], None, "old")
        view.post_message(stale)
        await settle(pilot)
        assert "src/index.js" in text_of(pane, "#forecast-preview")


async def test_a_build_keeps_its_forecast_and_says_whether_it_was_right(tmp_path: Path) -> None:
    history = BuildHistory(tmp_path / "h.sqlite3")
    keep_lab_builds(history, tmp_path)
    forecaster = Forecaster(
        history,
        FakeFacts(),
        collect=lambda argv: collect(list(argv), cwd=tmp_path, data_dir=tmp_path),
        environ={},
    )
    service = ReplayBuildService(captured_log("lab-second-build.log"))
    app = build_app(service, history.path, forecasting=forecaster)
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(pilot)
        pane = build_pane(app)
        await pilot.press("ctrl+l", "f5")  # the lab's build: both platforms, as kept
        await settle(pilot)
        assert pane.live is not None and pane.live.forecast is not None
        outcome = pane.query_one("#outcome", BuildSteps).semantic.plain
        assert outcome.splitlines()[0] == (
            "Forecast right (made before the build): all 10 steps will come from the cache."
        )
        assert pane.entries[0].forecast is not None
        table = pane.query_one("#history-table", DataTable)
        assert str(table.get_row_at(0)[10]).startswith(("✓", "✗", "?"))


async def test_g_t_and_a_show_the_pictures_beside_the_steps(tmp_path: Path) -> None:
    keep_lab_builds(BuildHistory(tmp_path / "h.sqlite3"), tmp_path)
    service = ReplayBuildService(captured_log("lab-second-build.log"))
    app = build_app(service, tmp_path / "h.sqlite3")
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(pilot)
        pane = build_pane(app)
        assert not pane.check_action("show_pictures", ("graph",))  # the form: not there
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert pane.view == "steps" and pane.check_action("show_pictures", ("graph",))
        await pilot.press("g")
        await settle(pilot)
        assert pane.view == "pictures"
        graph = picture(pane)
        assert "├─▶ build1  ◀ missed the cache at step 2" in graph
        assert "⇠ copies from build1 (step 2)" in graph
        await pilot.press("t")
        await settle(pilot)
        timing = picture(pane)
        assert timing.startswith("linux/arm64 steps took 1.2\u00d7 as long as linux/amd64's")
        assert "build2 4 RUN for i in 1 2 3" in timing and "█" in timing
        await pilot.press("a")
        await settle(pilot)
        assert "No advice: in the 2 kept builds of Dockerfile_multi" in picture(pane)
        await pilot.press("f3")
        await settle(pilot)
        assert pane.view == "steps"


def test_the_command_line_forecasts_and_advises_from_the_same_history(tmp_path: Path) -> None:
    project = project_with_a_build(tmp_path)
    (project.context / "src" / "index.js").write_text("two\n")
    facts = FakeFacts(digests={"localhost:5000/busybox:latest": DIGEST})
    out = io.StringIO()
    assert run_forecast(project.argv(), project.forecaster(facts), out) == 0
    printed = out.getvalue()
    assert "Forecast against build #1 on builder default (nothing was built):" in printed
    assert "  steps 2\u20133 of the build will miss: changed since build #1: src/index.js" in (
        printed
    )
    assert "  base image localhost:5000/busybox:latest:latest" not in printed
    out = io.StringIO()
    assert run_forecast(project.argv(), project.forecaster(facts), out, as_json=True) == 0
    document = json.loads(out.getvalue())
    assert document["schema_version"] == 1
    assert document["first_misses"][0]["reason"] == "files"
    assert len(project.history.list()) == 1  # nothing kept
    out = io.StringIO()
    assert run_advice(None, project.history, out, as_json=True) == 0
    advice = json.loads(out.getvalue())
    assert advice["builds"] == 1 and advice["items"] == []
    out = io.StringIO()
    assert run_advice(project.argv(), project.history, out) == 0
    assert out.getvalue().startswith("Advice from where the cache broke (Dockerfile, 1 kept")


async def test_a_forecast_that_fails_says_so_under_the_command(tmp_path: Path) -> None:
    def broken(argv: Sequence[str], evidence: BuildEvidence | None) -> Forecast:
        raise RuntimeError("a bug")

    service = ReplayBuildService(captured_log("lab-second-build.log"))
    app = build_app(service, tmp_path / "h.sqlite3", forecasting=broken)
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(pilot)
        pane = build_pane(app)
        pane.query_one("#tags", Input).value = "x:1"
        failed = "Forecast unavailable: RuntimeError('a bug'); please report this."
        assert await forecast_shown(pilot, pane, failed) == failed
        await pilot.press("f5")  # the build runs and is kept all the same
        await settle(pilot)
        assert pane.entries and pane.entries[0].forecast is None
