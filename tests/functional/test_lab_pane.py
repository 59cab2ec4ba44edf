"""The Lab pane in the app: progress on its tab and in the status bar, Enter to the step's
pane filled in for it, a refresh when another pane changes the lab, the report key."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.text import Text
from textual.message import Message
from textual.notifications import Notify
from textual.widgets import DataTable, Static, TabbedContent
from textual.widgets._footer import FooterKey  # Textual exports no name for a footer's key

from buildtui.app.app import make_app
from buildtui.app.builders.pane import BuildersPane
from buildtui.app.builders.prune import PruneScreen
from buildtui.app.builds.form import BuildForm
from buildtui.app.lab.pane import LabPane
from buildtui.app.messages import LabChanged
from buildtui.app.shared.status_bar import StatusBar
from buildtui.app.shared.themed_static import ThemedStatic
from buildtui.buildlog.summary import BuildSummary
from buildtui.builds.evidence import BuildEvidence
from buildtui.lab.files import reports_dir
from buildtui.lab.guide import Observations
from buildtui.lab.service import LabService
from buildtui.lab_records import RecordBook
from buildtui.settings import load_settings
from tests.fakes.cleanup import lab_fake_registry
from tests.fakes.lab import fake_lab_service, record_build
from tests.fakes.lab_app import lab_app, lab_pane
from tests.fakes.services import fake_services, settle


async def test_progress_shows_on_the_tab_and_in_the_status_bar(tmp_path: Path) -> None:
    settings, services = fake_services(tmp_path)
    assert services.build is not None
    record_build(services.build.history, "lab-first-build.log", 100.0)
    app = make_app(settings, services)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        tabs = app.query_one(TabbedContent)
        assert tabs.active == "lab"
        pane = app.query_one(LabPane)
        assert pane.guide is not None
        progress = pane.guide.progress
        assert progress == "5/9"
        assert str(tabs.get_tab("lab").label) == f"5 Lab {progress}"
        assert app.query_one(StatusBar).lab_progress == progress
        assert f"lab {progress}" in str(app.query_one(StatusBar).render())


async def test_enter_on_the_push_item_opens_the_build_form_with_the_lab_preset(
    tmp_path: Path,
) -> None:
    settings, services = fake_services(tmp_path)
    app = make_app(settings, services)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        table = app.query_one("#lab-table", DataTable)
        table.focus()
        table.move_cursor(row=3)  # 4. the two-platform image
        await pilot.press("enter")
        await settle(pilot)
        assert app.query_one(TabbedContent).active == "build"
        options = app.query_one(BuildForm).options()
        assert options.tags == (f"{settings.registry_host}/lab:cachetest",)
        assert options.cache_to is not None and options.cache_to.mode == "max"


async def test_a_change_in_another_pane_refreshes_the_guide(tmp_path: Path) -> None:
    settings, services = fake_services(tmp_path)
    assert services.build is not None and services.lab is not None
    app = make_app(settings, services)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        pane = app.query_one(LabPane)
        assert pane.guide is not None and pane.guide.item("cache-export").status.value == "todo"
        record_build(services.build.history, "lab-first-build.log", 100.0)
        app.query_one(StatusBar).post_message(LabChanged())
        for _ in range(50):  # the refresh is scheduled, then runs in a worker
            await settle(pilot)
            if pane.guide.item("cache-export").status.value == "done":
                break
        assert pane.guide.item("cache-export").status.value == "done"
        assert str(app.query_one(TabbedContent).get_tab("lab").label) == "5 Lab 5/9"


async def test_language_key_switches_to_polish(tmp_path: Path) -> None:
    service = fake_lab_service(tmp_path, lab_fake_registry())
    app = lab_app(service)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.focused is lab_pane(app).query_one("#lab-table")  # as the app focuses it
        footer = {b.key: b.description for _, b, _, _ in app.screen.active_bindings.values()}
        assert (footer["w"], footer["r"]) == ("Report", "Refresh")
        await pilot.press("l")
        await settle(pilot)
        title = str(lab_pane(app).query_one("#lab-title", Static).render())
        assert title.startswith("Laboratorium 7")
        # The whole app follows: the footer's labels, the tabs; the choice is kept.
        footer = {k.key: k.description for k in app.query("Footer *") if isinstance(k, FooterKey)}
        assert (footer["w"], footer["r"], footer["l"]) == ("Sprawozdanie", "Odśwież", "EN/PL")
        assert str(app.query_one(TabbedContent).get_tab("builders").label) == "1 Buildery"
        assert load_settings(environ={}).language == "pl"
        await pilot.press("l")
        await settle(pilot)
        assert str(app.query_one(TabbedContent).get_tab("builders").label) == "1 Builders"
        assert load_settings(environ={}).language == "en"


async def test_switching_language_keeps_the_highlighted_item(tmp_path: Path) -> None:
    service = fake_lab_service(tmp_path, lab_fake_registry())
    app = lab_app(service)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "down")
        await settle(pilot)
        table = lab_pane(app).query_one("#lab-table", DataTable)
        assert table.cursor_row == 3
        await pilot.press("l")
        await settle(pilot)
        assert table.cursor_row == 3
        details = str(lab_pane(app).query_one("#lab-details", ThemedStatic).render())
        assert details.startswith("[ ] 4.") and "Obraz" in details, details


async def test_report_key_writes_markdown_and_html(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    service = fake_lab_service(tmp_path / "data", lab_fake_registry())
    record_build(service.history, "lab-first-build.log", 100.0)
    RecordBook(tmp_path / "data" / "lab-records.json", clock=lambda: 150.0).add_prune(
        "default", 4096, 3
    )
    record_build(service.history, "lab-second-build.log", 200.0)
    notes: list[str] = []
    app = lab_app(service)
    async with app.run_test(size=(100, 30), message_hook=note_hook(notes)) as pilot:
        await settle(pilot)
        assert app.focused is lab_pane(app).query_one("#lab-table")  # as the app focuses it
        await pilot.press("w")
        await settle(pilot)
    markdown = (tmp_path / "lab7-report.md").read_text()
    assert "# Laboratory 7: report" in markdown
    assert "#7 CACHED" in markdown
    html = (tmp_path / "lab7-report.html").read_text()
    assert '<span class="cached">#7 CACHED</span>' in html
    assert (tmp_path / "lab7-report.md").stat().st_mode & 0o777 == 0o600
    assert any(n.startswith("Report written: ") and "build context" not in n for n in notes)


async def test_report_key_never_writes_into_a_build_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    context = tmp_path / "lab"
    context.mkdir()
    monkeypatch.chdir(context)  # buildtui runs in the folder the lab builds
    service = fake_lab_service(tmp_path / "data", lab_fake_registry())
    summary = BuildSummary.from_json(
        {"steps": [], "cached": 0, "total": 0, "cache_import": "none", "exit_code": 0}
    )
    service.history.add(
        started=100.0, argv=("docker", "buildx", "build", "."), command="docker buildx build .",
        summary=summary, log_lines=["#1 DONE"],
        evidence=BuildEvidence(str(context), str(context / "Dockerfile"), "FROM x\n", {}),
    )  # fmt: skip
    notes: list[str] = []
    app = lab_app(service)
    async with app.run_test(size=(100, 30), message_hook=note_hook(notes)) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
    assert list(context.iterdir()) == []  # the context is left as it was
    written = reports_dir() / "lab7-report.md"
    assert "# Laboratory 7: report" in written.read_text()
    said = [n for n in notes if n.startswith("Report written: ")]
    assert said and str(written) in said[0] and f"build context {context}" in said[0]


def note_hook(notes: list[str]) -> Callable[[Message], None]:
    def hook(message: Message) -> None:
        if isinstance(message, Notify):
            notes.append(message.notification.message)

    return hook


async def test_showing_the_pane_again_looks_again(tmp_path: Path) -> None:
    settings, services = fake_services(tmp_path)
    assert services.build is not None
    app = make_app(settings, services)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        pane = app.query_one(LabPane)
        assert pane.guide is not None and pane.guide.item("pushed").status.value == "todo"
        record_build(services.build.history, "lab-first-build.log", 100.0)
        await pilot.press("5")
        for _ in range(50):
            await settle(pilot)
            if pane.guide.item("pushed").status.value == "done":
                break
        assert pane.guide.item("pushed").status.value == "done"


async def test_enter_on_the_prune_step_opens_the_prune_preview_of_the_builder_in_use(
    tmp_path: Path,
) -> None:
    settings, services = fake_services(tmp_path)
    assert services.build is not None
    record_build(services.build.history, "lab-first-build.log", 100.0)
    app = make_app(settings, services)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        pane = app.query_one(LabPane)
        assert pane.guide is not None
        assert (pane.guide.item("cache-import").pane, pane.guide.item("cache-import").preset) == (
            "builders",
            "prune",
        )
        app.query_one(BuildersPane).select_builder("cachebox")  # highlighted, not in use
        table = app.query_one("#lab-table", DataTable)
        table.focus()
        table.move_cursor(row=6)  # 7. prune, then import the cache
        await pilot.press("enter")
        await settle(pilot)
        assert app.query_one(TabbedContent).active == "builders"
        assert isinstance(app.screen, PruneScreen)
        assert app.screen.builder == "default"  # the builder in use, not the highlighted one


class FailingLab(LabService):
    """A look at the lab that raises what nothing expected, twice, then works."""

    def __init__(self, service: LabService) -> None:
        super().__init__(service.settings, service.history, sources=service._sources)
        self.failures = 2

    def observe(self) -> Observations:
        if self.failures:
            self.failures -= 1
            raise sqlite3.OperationalError("database is locked")
        return super().observe()


async def test_a_look_at_the_lab_that_fails_is_said_once_with_what_to_do(
    tmp_path: Path,
) -> None:
    service = FailingLab(fake_lab_service(tmp_path, lab_fake_registry()))
    notes: list[str] = []

    def hook(message: Message) -> None:
        if isinstance(message, Notify):
            notes.append(message.notification.message)

    app = lab_app(service)
    async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
        await settle(pilot)
        pane = lab_pane(app)
        assert pane.guide is None
        await pilot.press("r")  # fails the same way: not said again
        await settle(pilot)
        said = [n for n in notes if "could not look at the lab" in n]
        assert said == [
            "The guide could not look at the lab: OperationalError: database is locked. "
            "Press r to try again."
        ]
        await pilot.press("r")
        await settle(pilot)
        assert pane.guide is not None and pane.guide.items


async def test_details_show_the_proof_time_and_the_lab_as_a_dated_sequence(
    tmp_path: Path,
) -> None:
    service = fake_lab_service(tmp_path, lab_fake_registry())
    record_build(service.history, "lab-first-build.log", 100.0)
    RecordBook(tmp_path / "lab-records.json", clock=lambda: 150.0).add_prune("default", 9, 3)
    app = lab_app(service)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.query_one("#lab-table", DataTable)
        table.move_cursor(row=5)  # 6. the registry cache exported
        await settle(pilot)
        shown = lab_pane(app).query_one("#lab-details", ThemedStatic).styled_text
        text = shown.plain if isinstance(shown, Text) else str(shown)
        assert "Proven " in text  # seen done: its proof is kept, with its time
        timeline = text.split("Timeline:\n", 1)[1].splitlines()
        assert "Build 1: pushed localhost:5000/lab:cachetest" in timeline[0]
        assert "3.0 s" in timeline[0]
        assert "Prune of builder default's cache: 3 records" in timeline[1]


async def test_the_nine_items_show_at_once_and_are_completed_by_the_first_look(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    service = fake_lab_service(tmp_path, lab_fake_registry())
    observe = service.observe
    release = threading.Event()

    def slow() -> Observations:  # the engine, the builders and the registry take a while
        release.wait(120)  # set below once the items are checked; the bound only ends a hang
        return observe()

    monkeypatch.setattr(service, "observe", slow)
    app = lab_app(service)
    async with app.run_test(size=(160, 48)) as pilot:
        # A loaded machine may take seconds to start the app: wait for the rows, not a count
        # of pauses (the look cannot complete them meanwhile, it is held until `release`).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            # (The pane may be there before its table is: asked for it, it would raise.)
            tables = app.query("#lab-table").results(DataTable)
            if any(table.row_count for table in tables):
                break
            await pilot.pause(0.01)
        pane = lab_pane(app)
        table = pane.table
        assert table.row_count == 9
        assert [str(table.get_row_at(n)[0]) for n in range(9)] == ["…"] * 9
        assert str(table.get_row_at(0)[1]).startswith("1. ")
        assert pane.guide is None
        release.set()
        await settle(pilot)
        assert pane.guide is not None
        assert table.row_count == 9
        assert "…" not in [str(table.get_row_at(n)[0]) for n in range(9)]
