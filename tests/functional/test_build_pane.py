"""The Build pane with a fake runner that replays logs captured from real builds."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from pathlib import Path

import pytest
from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.notifications import Notification, Notify
from textual.widgets import DataTable, Input, SelectionList, Static

from buildtui.app.builds.compare import BuildCompareScreen
from buildtui.app.builds.log_view import BuildLogView
from buildtui.app.builds.pane import BuildPane
from buildtui.app.builds.steps import BuildSteps
from buildtui.buildlog.parser import LogParser
from buildtui.buildlog.presentation import LOG_LINE_STYLES
from buildtui.builds.errors import BuildUnavailable
from buildtui.builds.history import BuildEntry
from buildtui.builds.options import build_argv, lab_preset
from buildtui.settings import Settings
from tests.fakes.build import ReplayBuildService, ReplayProcess, captured_log
from tests.fakes.build_app import build_app, build_pane
from tests.fakes.services import settle
from tests.unit.build_service.test_log_highlight import EVERY_KIND


def text_of(pane: BuildPane, selector: str) -> str:
    return str(pane.query_one(selector, Static).render())


async def test_preset_run_shows_cached_steps_summary_and_keeps_history(tmp_path: Path) -> None:
    service = ReplayBuildService(captured_log("lab-second-build.log"), batch=5)
    app = build_app(service, tmp_path / "h.sqlite3")
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(pilot)
        pane = build_pane(app)
        await pilot.click("#preset")
        await pilot.pause()
        preview = text_of(pane, "#command-preview")
        await pilot.press("f5")
        await settle(pilot)
        # The command shown is exactly the command run.
        (argv,) = service.started
        assert argv == build_argv(lab_preset(Settings()), Settings())
        assert preview == " ".join(argv)
        assert pane.view == "steps"
        steps = text_of(pane, "#steps")
        assert steps.count("CACHED") == 10
        assert "linux/amd64 · build1" in steps and "linux/arm64 · build2" in steps
        assert "Steps cached:  10/10" in text_of(pane, "#summary")
        assert "Cache import: found" in text_of(pane, "#summary")
        assert "exporting cache" in text_of(pane, "#phases")
        assert "10/10 steps cached" in text_of(pane, "#build-status")
        assert [e.summary.cached for e in pane.entries] == [10]
        assert pane.query_one("#history-table", DataTable).row_count == 1


async def test_lab_preset_key_fills_the_form_from_any_view(tmp_path: Path) -> None:
    app = build_app(ReplayBuildService([]), tmp_path / "h.sqlite3")
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(pilot)
        pane = build_pane(app)
        await pilot.press("f6")
        assert pane.view == "history"
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert pane.view == "form"
        argv = build_argv(lab_preset(Settings()), Settings())
        assert text_of(pane, "#command-preview") == " ".join(argv)
        assert "--cache-to" in argv and "--push" in argv


async def test_platforms_come_from_the_builder(tmp_path: Path) -> None:
    app = build_app(ReplayBuildService([]), tmp_path / "h.sqlite3")
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(pilot)
        selection = app.query_one("#platforms", SelectionList)
        offered = [str(selection.get_option_at_index(i).value) for i in range(3)]
        assert offered == ["linux/amd64", "linux/arm64", "linux/arm/v7"]


async def test_platforms_unavailable_says_how_to_fix(tmp_path: Path) -> None:
    def broken() -> list[str]:
        raise BuildUnavailable("Cannot read the builder's platforms: engine down.")

    app = build_app(ReplayBuildService([]), tmp_path / "h.sqlite3", platforms=broken)
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(pilot)
        problem = text_of(build_pane(app), "#form-problem")
        assert "engine down" in problem and "F7" in problem


async def test_raw_log_follows_tail_until_scrolled_up_and_searches(tmp_path: Path) -> None:
    lines = captured_log("lab-first-build.log") * 20
    app = build_app(ReplayBuildService(lines, batch=50), tmp_path / "h.sqlite3")
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await pilot.press("f5")
        await settle(pilot)
        log = app.query_one(BuildLogView)
        assert log.line_count == len(lines)
        assert log.tail and log.scroll_y == log.max_scroll_y
        await pilot.press("pageup")
        await pilot.pause()
        assert not log.tail
        await pilot.press("end")
        await pilot.pause()
        assert log.tail
        await pilot.press("home")
        await pilot.press("slash")
        search = app.query_one("#log-search", Input)
        assert search.has_focus
        await pilot.press(*"not found", "enter")
        await pilot.pause()
        assert log.match_line is not None
        assert "not found" in lines[log.match_line]
        first = log.match_line
        log.focus()
        await pilot.press("n")
        assert log.match_line is not None and log.match_line > first


async def test_cancel_key_stops_the_build(tmp_path: Path) -> None:
    hold = threading.Event()
    service = ReplayBuildService(captured_log("canceled.log")[:-2], hold=hold)
    app = build_app(service, tmp_path / "h.sqlite3")
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        for _ in range(50):
            await pilot.pause(0.02)
            if "running" in text_of(build_pane(app), "#steps"):
                break
        live = build_pane(app).live
        assert live is not None and live.running
        await pilot.press("f8")
        await settle(pilot)
        assert service.processes[0].canceled
        assert "canceled" in text_of(build_pane(app), "#build-status")
        assert "canceled" in text_of(build_pane(app), "#steps")
        hold.set()


async def test_quitting_the_app_cancels_a_running_build(tmp_path: Path) -> None:
    hold = threading.Event()  # never set: the build runs until it is canceled
    service = ReplayBuildService(captured_log("canceled.log")[:-2], hold=hold)
    app = build_app(service, tmp_path / "h.sqlite3")
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        for _ in range(50):
            await pilot.pause(0.02)
            live = build_pane(app).live
            if live is not None and live.running:
                break
        live = build_pane(app).live
        assert live is not None and live.running
        await pilot.press("ctrl+q")
    (process,) = service.processes
    assert process.canceled
    assert process.finished.wait(5)  # the reading thread ended: nothing holds the exit


async def test_failed_build_explains_and_shows_last_lines(tmp_path: Path) -> None:
    service = ReplayBuildService(captured_log("lab-first-build.log"), exit_code=0)
    app = build_app(service, tmp_path / "h.sqlite3")
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        explained = text_of(build_pane(app), "#explanations")
        assert "No cache to import yet (harmless)" in explained
        assert "docs.docker.com/build/cache/backends/registry" in explained
    service = ReplayBuildService(captured_log("failing-run.log"), exit_code=1)
    app = build_app(service, tmp_path / "h2.sqlite3")
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        failure = text_of(build_pane(app), "#failure")
        assert "✗ [2/2] RUN echo before" in failure and "0.220 err" in failure
        assert "Build failed" in text_of(build_pane(app), "#summary")


async def test_unavailable_engine_is_shown_with_a_retry_key(tmp_path: Path) -> None:
    service = ReplayBuildService([], unavailable="The docker CLI is not installed.")
    app = build_app(service, tmp_path / "h.sqlite3")
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        problem = text_of(build_pane(app), "#build-problem")
        assert "not installed" in problem and "F5" in problem


def notifications(into: list[Notification]) -> Callable[[Message], None]:
    """A `message_hook` keeping the notifications the app is asked to show."""

    def hook(message: Message) -> None:
        if isinstance(message, Notify):
            into.append(message.notification)

    return hook


async def test_a_failing_worker_other_than_the_build_s_leaves_the_build_running(
    tmp_path: Path,
) -> None:
    hold = threading.Event()
    service = ReplayBuildService(captured_log("canceled.log")[:-2], hold=hold)
    calls: list[int] = []

    def platforms() -> list[str]:
        calls.append(1)
        if len(calls) > 1:  # F7: a bug, not an engine that answers with an error
            raise RuntimeError("platforms bug")
        return ["linux/amd64"]

    shown: list[Notification] = []
    app = build_app(service, tmp_path / "h.sqlite3", platforms=platforms)
    async with app.run_test(size=(150, 45), message_hook=notifications(shown)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        for _ in range(50):
            await pilot.pause(0.02)
            if "running" in text_of(build_pane(app), "#steps"):
                break
        await pilot.press("f7")
        for _ in range(50):
            await pilot.pause(0.02)
            if shown:
                break
        (note,) = shown
        assert note.severity == "error"
        assert "builder's platforms" in note.message and "platforms bug" in note.message
        assert "build" not in note.message.replace("builder", "")  # not the build's failure
        live = build_pane(app).live
        assert live is not None and live.running
        assert text_of(build_pane(app), "#build-status").startswith("Building")
        hold.set()
        await settle(pilot)
        assert "Build succeeded" in text_of(build_pane(app), "#summary")


async def test_a_failing_history_worker_says_what_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = build_app(ReplayBuildService([]), tmp_path / "h.sqlite3")

    def broken(limit: int = 200) -> list[BuildEntry]:
        raise RuntimeError("history bug")

    assert app.services is not None and app.services.build is not None
    monkeypatch.setattr(app.services.build.history, "list", broken)
    shown: list[Notification] = []
    async with app.run_test(size=(150, 45), message_hook=notifications(shown)) as pilot:
        await settle(pilot)
        (note,) = shown
        assert note.message.startswith("Reading the build history failed unexpectedly")
        assert "history bug" in note.message and "F7" in note.message
        assert text_of(build_pane(app), "#build-status").startswith("No build yet")


class CrashingService(ReplayBuildService):
    """Its process's output breaks off with a bug after the first batch."""

    def start(self, argv: Sequence[str]) -> ReplayProcess:
        process = super().start(argv)
        batches = process.batches

        def crashing() -> Iterator[list[str]]:
            yield from islice(batches(), 1)
            raise RuntimeError("reader bug")

        process.batches = crashing  # type: ignore[method-assign]  # this one process breaks
        return process


async def test_a_failing_build_worker_ends_that_build(tmp_path: Path) -> None:
    service = CrashingService(captured_log("lab-second-build.log"), batch=5)
    shown: list[Notification] = []
    app = build_app(service, tmp_path / "h.sqlite3")
    async with app.run_test(size=(150, 45), message_hook=notifications(shown)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        live = build_pane(app).live
        assert live is not None and not live.running
        (note,) = shown
        assert note.message.startswith("The build stopped unexpectedly")
        assert "reader bug" in note.message and "F5" in note.message
        assert text_of(build_pane(app), "#build-status").startswith("Build failed")
        assert not build_pane(app).check_action("cancel", ())


async def test_history_open_rerun_and_compare(tmp_path: Path) -> None:
    service = ReplayBuildService(captured_log("lab-first-build.log"))
    app = build_app(service, tmp_path / "h.sqlite3")
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        service.lines = captured_log("lab-second-build.log")
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        pane = build_pane(app)
        assert [e.summary.cached for e in pane.entries] == [10, 0]
        table = pane.query_one("#history-table", DataTable)
        assert table.has_focus
        await pilot.press("c", "down", "c")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BuildCompareScreen)
        assert len(screen.comparison.now_cached) == 10
        assert "10 steps went from run to CACHED" in str(
            screen.query_one("#compare-headline", Static).render()
        )
        await pilot.press("escape")
        await pilot.pause()
        # Open the first build (cursor is on it now): its steps and log come back.
        await pilot.press("o")
        await settle(pilot)
        assert pane.view == "steps"
        assert "Steps cached:  0/10" in text_of(pane, "#summary")
        assert app.query_one(BuildLogView).line_count == len(captured_log("lab-first-build.log"))
        await pilot.press("f6", "r")
        await settle(pilot)
        assert len(service.started) == 3 and service.started[2] == service.started[0]


async def test_f9_copies_the_form_command_even_from_a_text_field(tmp_path: Path) -> None:
    app = build_app(ReplayBuildService([]), tmp_path / "h.sqlite3")
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(pilot)
        pane = build_pane(app)
        await pilot.click("#preset")
        await pilot.pause()
        pane.query_one("#context", Input).focus()  # typing in the context field
        await pilot.pause()
        await pilot.press("f9")
        await pilot.pause()
        assert app.clipboard == text_of(pane, "#command-preview")
        assert app.clipboard.startswith("docker ") and " buildx build " in app.clipboard


def test_every_binding_is_one_of_the_pane_commands() -> None:
    ids = [command.id for command in BuildPane.COMMANDS]
    assert len(ids) == len(set(ids))
    assert "build.copy" in ids
    bound = {(b.key, b.action, b.id) for b in BuildPane.BINDINGS if isinstance(b, Binding)}
    assert bound == {(c.key, c.action, c.id) for c in BuildPane.COMMANDS}


class LogApp(App[None]):
    def compose(self) -> ComposeResult:
        yield BuildLogView(id="log")


def numbered(count: int, start: int = 0) -> list[str]:
    return [f"#5 {n:05}.0 line {n:05}" for n in range(start, start + count)]


async def test_log_keys_move_the_view_at_once(tmp_path: Path) -> None:
    app = LogApp()
    async with app.run_test(size=(80, 20)) as pilot:
        log = app.query_one(BuildLogView)
        log.set_lines(numbered(500))
        log.focus()
        await pilot.pause()
        bottom = log.max_scroll_y
        page = log.scrollable_content_region.height
        # The key's action moves the view before it returns: no animation, whose frames
        # would be drawn at 60 a second for as long as it lasts.
        log.action_scroll_up()
        assert log.scroll_y == bottom - 1
        log.action_page_up()
        assert log.scroll_y == bottom - 1 - page
        assert not log.tail
        log.action_page_down()
        log.action_scroll_down()
        assert log.scroll_y == bottom
        await pilot.pause()
        assert log.tail
        await pilot.press("pageup")  # the keys run those actions
        assert log.scroll_y == bottom - page and not log.tail


async def test_growing_log_moves_the_scrollbar_without_a_layout_pass() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 20)) as pilot:
        log = app.query_one(BuildLogView)
        lines = numbered(100)
        log.set_lines(lines)
        layouts: list[object] = []
        app.screen.screen_layout_refresh_signal.subscribe(log, layouts.append)
        for _ in range(50):  # until the first lines' own layout is done (slower under load)
            layouts.clear()
            await pilot.pause()
            if not layouts:
                break
        assert layouts == []
        lines += numbered(50, 100)
        log.lines_added()
        await pilot.pause()
        assert log.virtual_size.height == 150
        assert log.vertical_scrollbar.window_virtual_size == 150
        assert log.tail and log.scroll_y == log.max_scroll_y == 150 - log.size.height
        assert layouts == []
        lines.append("#5 9.0 " + "a much longer line " * 10)  # wider: the layout is needed
        log.lines_added()
        await pilot.pause()
        assert layouts and log.virtual_size.width > 150


async def test_log_colours_follow_the_theme() -> None:
    app = LogApp()
    async with app.run_test(size=(80, 20)) as pilot:
        log = app.query_one(BuildLogView)
        log.set_lines(["#7 CACHED"] * 3)
        await pilot.pause()

        def cached_style() -> object:
            return next(iter(log.render_line(0))).style

        before = cached_style()
        assert before == log.rich_style + log.get_component_rich_style("build-log--cached")
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await pilot.pause()
        after = cached_style()
        assert after != before
        assert after == log.rich_style + log.get_component_rich_style("build-log--cached")


async def test_log_view_paints_each_kind_of_line_as_the_command_line_does() -> None:
    """The pane's half of the one rule set (the command line's: test_log_highlight)."""
    app = LogApp()
    async with app.run_test(size=(120, 30)) as pilot:
        log = app.query_one(BuildLogView)
        log.set_lines(EVERY_KIND)
        await pilot.pause()
        parser = LogParser()
        for y, raw in enumerate(EVERY_KIND):
            name = LOG_LINE_STYLES.get(parser.feed(raw).kind)
            expected = log.rich_style
            if name is not None:
                assert f"build-log--{name}" in BuildLogView.COMPONENT_CLASSES
                expected += log.get_component_rich_style(f"build-log--{name}")
            assert next(iter(log.render_line(y))).style == expected, raw
        canceled = EVERY_KIND.index("#5 CANCELED")
        error = log.rich_style + log.get_component_rich_style("build-log--error")
        assert next(iter(log.render_line(canceled))).style == error


async def test_step_colours_follow_the_theme(tmp_path: Path) -> None:
    service = ReplayBuildService(captured_log("lab-second-build.log"))
    app = build_app(service, tmp_path / "h.sqlite3")
    async with app.run_test(size=(150, 45)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        steps = build_pane(app).query_one("#steps", BuildSteps)

        def cached_styles() -> set[Style | str]:
            text = steps.content
            assert isinstance(text, Text)
            start = text.plain.index("CACHED")
            return {span.style for span in text.spans if span.start <= start < span.end}

        def theme_cached() -> set[Style | str]:
            return {steps.get_component_rich_style("build-steps--cached")}

        before = cached_styles()
        assert before == theme_cached()
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        for _ in range(3):
            await pilot.pause()
        assert cached_styles() != before
        assert cached_styles() == theme_cached()
