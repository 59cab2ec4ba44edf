"""Replays in the Build pane: `buildtui lab replay` and `p` in the history; the keys that
pause, step, change the speed, restart and end a replay; honest figures; two builds side
by side. Nothing is added to the history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static, TabbedContent

from buildtui.app.app import BuildTUI
from buildtui.app.builds.compare import BuildCompareScreen
from buildtui.app.builds.pane import BuildPane
from buildtui.app.builds.steps import BuildSteps
from buildtui.app.replay import ReplayApp
from buildtui.buildlog.summary import CacheMiss
from buildtui.builds.history import BuildHistory, BuildRecord
from buildtui.builds.live import LiveBuild
from buildtui.cli import main
from tests.fakes.build import captured_log
from tests.fakes.lab import LAB_ARGV, record_build
from tests.fakes.services import fake_services, loaded, pane_app, settle, until


def timed_build(
    history: BuildHistory,
    log: str,
    *,
    seconds: float,
    started: float = 100.0,
    misses: Sequence[CacheMiss] = (),
    batches: int = 6,
) -> int:
    """Keep a build of a captured log as if it took `seconds` (`wall_seconds` too), its
    lines arriving in `batches` evenly spread batches."""
    lines = captured_log(log)
    kept = history.get(record_build(history, log, started))
    history.delete(kept.entry.id)
    summary = replace(kept.entry.summary, wall_seconds=seconds, first_misses=tuple(misses))
    step = -(-len(lines) // batches)
    marks = [(min(len(lines), (i + 1) * step), seconds * (i + 1) / batches) for i in range(batches)]
    return history.add(
        started=started,
        argv=LAB_ARGV,
        command=" ".join(LAB_ARGV),
        summary=summary,
        log_lines=lines,
        timing=marks,
    )


def replay_app(
    tmp_path: Path,
    records: Sequence[BuildRecord] | None = None,
    *,
    speed: float = 1.0,
    paused: bool = False,
) -> tuple[ReplayApp, BuildHistory]:
    settings, services = fake_services(tmp_path)
    assert services.build is not None
    history = services.build.history
    app = ReplayApp(settings, services, records or [], speed=speed, paused=paused)
    return app, history


def text_of(app: BuildTUI, selector: str) -> str:
    widget = app.query_one(selector)
    if isinstance(widget, BuildSteps):
        return widget.semantic.plain
    return str(widget.render())


def footer(app: BuildTUI) -> set[str]:
    return {
        binding.binding.description
        for binding in app.screen.active_bindings.values()
        if binding.binding.show
    }


async def replayed(pilot: Pilot[None], pane: BuildPane) -> LiveBuild:
    """Wait until the replay shown has ended; its live build."""
    await until(
        pilot,
        lambda: bool(pane.replay_lives) and not any(live.running for live in pane.replay_lives),
        "replayed",
    )
    await pilot.pause()
    return pane.replay_lives[0]


async def test_lab_replay_shows_the_kept_build_in_the_build_pane(tmp_path: Path) -> None:
    settings, services = fake_services(tmp_path)
    assert services.build is not None
    history = services.build.history
    build_id = record_build(history, "lab-second-build.log", 100.0)  # kept without timing
    app = ReplayApp(settings, services, [history.get(build_id)], speed=8)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        pane = app.query_one(BuildPane)
        live = await replayed(pilot, pane)
        assert app.query_one("#panes", TabbedContent).active == "build"
        assert live.summary is not None
        assert (live.summary.cached, live.summary.total) == (10, 10)
        assert live.argv == list(LAB_ARGV)
        banner = text_of(app, "#replay-banner")
        assert "REPLAY" in banner and f"build #{build_id} (recorded " in banner
        assert "kept without timing: 40 lines a second" in banner
        assert "finished" in banner
    assert [e.id for e in history.list()] == [build_id]  # not kept again


async def test_pause_step_speed_and_restart_with_the_keys(tmp_path: Path) -> None:
    app, history = replay_app(tmp_path)
    build_id = timed_build(history, "lab-second-build.log", seconds=6.0, batches=6)
    record = history.get(build_id)
    app.replay_records = [record]
    app.replay_paused = True
    async with app.run_test(size=(160, 48)) as pilot:
        await loaded(pilot)  # not `settle`: the paused replay's workers wait for a key
        pane = app.query_one(BuildPane)
        await until(pilot, lambda: pane.replay is not None, "replaying")
        session = pane.replay
        assert session is not None
        # Paused from the start: the footer offers Play and Step, not Run or Cancel.
        assert {"Play", "Step", "Faster", "Slower", "Restart", "End"} <= footer(app)
        assert not {"Run", "Cancel", "Pause", "Lab"} & footer(app)
        assert "paused" in text_of(app, "#replay-banner")
        await pilot.pause(0.3)
        live = pane.replay_lives[0]
        assert live.lines == []  # nothing comes while paused
        await pilot.press("s")
        await until(pilot, lambda: len(live.lines) == record.timing[0][0], "one batch")
        await pilot.pause(0.3)
        assert len(live.lines) == record.timing[0][0]  # one batch, still paused
        assert session.clock.now() == record.timing[0][1]
        await pilot.press("s")
        await until(pilot, lambda: len(live.lines) == record.timing[1][0], "two batches")
        # Speed: up twice, down once, shown in the banner.
        await pilot.press("plus", "plus", "minus")
        assert session.clock.speed == 2.0
        assert "· 2x · paused" in text_of(app, "#replay-banner")
        await pilot.press("space")
        assert not session.clock.paused
        assert "Pause" in footer(app) and "Play" not in footer(app)  # 2 s still to go
        await pilot.press(*["plus"] * 4)
        assert session.clock.speed == 32.0
        await replayed(pilot, pane)
        assert live.lines == record.log.split("\n")
        # F5 does not run a build while the replay is shown.
        await pilot.press("f5")
        assert pane.live is live
        # Restart: a new replay of the same build from its start, at the same speed.
        await pilot.press("r")
        await until(pilot, lambda: pane.replay_lives[0] is not live, "restarted")
        again = pane.replay_lives[0]
        assert pane.replay is session and session.clock.speed == 32.0
        await replayed(pilot, pane)
        assert again.lines == live.lines
        # End: the replay's keys go, run and cancel come back.
        await pilot.press("e")
        await pilot.pause()
        assert pane.replay is None
        assert "Run" in footer(app) and "Restart" not in footer(app)
        assert not app.query_one("#replay-banner").display
    assert [e.id for e in history.list()] == [build_id]


async def test_a_slow_replay_gives_the_recorded_times_and_misses(tmp_path: Path) -> None:
    app, history = replay_app(tmp_path)
    kept_miss = CacheMiss(
        "linux/amd64", "build1", 2, "RUN echo hello", "files", "changed since build #1: a.txt", 1
    )
    build_id = timed_build(
        history, "lab-first-build.log", seconds=0.4, misses=[kept_miss], batches=4
    )
    # A later build of the same project: a replay must not explain build_id's misses
    # against it (the old replay said "the local cache no longer holds build #N's steps").
    record_build(history, "lab-second-build.log", 200.0)
    app.replay_records = [history.get(build_id)]
    app.replay_speed = 0.25
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        pane = app.query_one(BuildPane)
        live = await replayed(pilot, pane)
        assert live.summary is not None
        assert live.summary.wall_seconds == 0.4  # not the ~1.6 s the replay took
        assert live.summary.first_misses == (kept_miss,)
        summary = text_of(app, "#summary")
        assert "in 0.4s (as recorded; replayed at 0.25x)" in summary
        assert "changed since build #1: a.txt" in summary
        assert "build #3" not in text_of(app, "#steps")
        # At 100x30 the summary line, the cache import and the CACHED count stay in view.
        glance = app.query_one("#build-glance")
        assert glance.display and app.screen.region.contains_region(glance.region)
        shown = text_of(app, "#build-glance")
        assert "Build succeeded in 0.4s (as recorded; replayed at 0.25x)" in shown
        assert "CACHED  0/10" in shown and "Cache import: " in shown


async def test_two_builds_side_by_side_from_the_compare_screen(tmp_path: Path) -> None:
    _settings, services = fake_services(tmp_path)
    assert services.build is not None
    history = services.build.history
    cold = timed_build(history, "lab-first-build.log", seconds=0.6, started=100.0)
    warm = timed_build(history, "lab-second-build.log", seconds=0.3, started=200.0)
    app = pane_app("build", services)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        pane = app.query_one(BuildPane)
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("c", "down", "c")  # warm is on top: mark it, compare with cold
        await settle(pilot)
        assert isinstance(app.screen, BuildCompareScreen)
        await pilot.press("p")
        await settle(pilot)
        assert pane.view == "pair" and len(pane.replay_lives) == 2
        left, right = pane.replay_lives
        await replayed(pilot, pane)
        assert pane.replay is not None
        assert [r.entry.id for r in pane.replay.records] == [cold, warm]
        assert left.summary is not None and right.summary is not None
        assert (left.summary.cached, right.summary.cached) == (0, 10)
        head = str(app.query_one("#pair-left .column-head", Static).render())
        assert head.startswith(f"Build #{cold} (recorded ")
        assert "CACHED  0/10" in text_of(app, "#pair-left-glance")
        assert "CACHED  10/10" in text_of(app, "#pair-right-glance")
        assert "Cache import: found" in text_of(app, "#pair-right-glance")
        verdict = text_of(app, "#pair-verdict")
        assert f"#{cold} → #{warm}, times as recorded (replayed at 1x)" in verdict
        assert "10 steps went from run to CACHED" in verdict
        assert "wall time 0.6s -> 0.3s" in verdict
        assert f"#{cold} beside #{warm}" in text_of(app, "#replay-banner")
        assert "Log" not in footer(app)  # which log? Each column shows its steps
    assert {e.id for e in history.list()} == {cold, warm}


async def test_p_in_the_history_replays_the_selected_build(tmp_path: Path) -> None:
    _settings, services = fake_services(tmp_path)
    assert services.build is not None
    build_id = timed_build(services.build.history, "lab-second-build.log", seconds=0.2)
    app = pane_app("build", services)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        pane = app.query_one(BuildPane)
        await pilot.press("f6")
        await settle(pilot)
        assert "Replay" in footer(app)
        await pilot.press("p")
        live = await replayed(pilot, pane)
        assert pane.view == "steps"
        assert live.summary is not None and live.summary.cached == 10
        assert f"Replay of build #{build_id}" in text_of(app, "#build-command")


def test_replay_refuses_what_it_cannot_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "replay", "7"]) == 2
    assert main(["lab", "replay", "seven"]) == 2
    assert main(["lab", "replay", "1", "--speed", "0"]) == 2
    assert main(["lab", "replay", "1", "2", "3"]) == 2
    err = capsys.readouterr().err
    assert "There is no build 7 in the history." in err
    assert "BUILD is a build's number in the history, not 'seven'" in err
    assert "--speed must be above 0" in err
    assert "one build, or two side by side; not 3" in err


async def test_a_replay_ended_half_way_shows_no_outcome(tmp_path: Path) -> None:
    app, history = replay_app(tmp_path)
    build_id = timed_build(history, "lab-second-build.log", seconds=6.0)
    app.replay_records = [history.get(build_id)]
    app.replay_paused = True
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        pane = app.query_one(BuildPane)
        await until(pilot, lambda: pane.replay is not None, "replaying")
        await pilot.press("s")
        await until(pilot, lambda: bool(pane.replay_lives[0].lines), "one batch")
        await pilot.press("e")
        await until(pilot, lambda: pane.replay is None, "ended")
        assert pane.live is None  # what it showed is no build's outcome
        status = str(app.query_one("#build-status").render())
        assert status == f"The replay of #{build_id} was ended; F5 runs builds again."
        assert not app.query_one("#build-glance").display
        assert "Run" in footer(app)


async def test_a_hostile_imported_log_replays_as_text(tmp_path: Path) -> None:
    """A student's log named like markup, with markup and escapes in its steps: the
    banner, the steps and the columns show them as text; clicking them does nothing."""
    from buildtui.builds.transfer import read_import
    from tests.fakes.build import DATA

    log = (DATA / "lab-first-build.log").read_text(encoding="utf-8")
    hostile = log.replace("RUN echo hello", "RUN echo [@click=app.quit]hello[/] \x1b]0;x\x07")
    path = tmp_path / "[@click=app.quit]q[b].log"
    path.write_text(hostile, encoding="utf-8")
    app, history = replay_app(tmp_path)
    build_id = read_import(path, command="docker buildx build -t lab:1 .").keep(history)
    app.replay_records = [history.get(build_id), history.get(build_id)]
    app.replay_speed = 32
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        pane = app.query_one(BuildPane)
        await replayed(pilot, pane)
        head = str(app.query_one("#pair-left .column-head", Static).render())
        assert "plain log [@click=app.quit]q[b].log" in head
        steps = text_of(app, "#pair-left-steps")
        assert "[@click=app.quit]hello[/] \\x1b]0;x\\x07" in steps and "\x1b" not in steps
        await pilot.click("#pair-left .column-head")
        await pilot.click("#pair-left-steps")
        await pilot.pause()
        assert app.is_running
