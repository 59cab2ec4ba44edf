"""The Class pane: rows as the submissions are read, the details of one, its report as data,
a submission that cannot be read; the palette of the app; the Lab pane's submit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.text import Text
from textual.widgets import DataTable, Input

from buildtui.app.app import make_app
from buildtui.app.classroom.report import ClassReportScreen
from buildtui.app.classroom.screen import ClassScreen
from buildtui.app.lab.submit import SubmitScreen
from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.app.shared.themed_static import ThemedStatic
from buildtui.classroom.ref import ClassRef
from buildtui.classroom.service import ClassService
from buildtui.i18n import language
from buildtui.lab.service import LabService
from buildtui.registry.auth import NoCredentials
from buildtui.registry.service import RegistryService
from buildtui.settings import Settings, load_settings
from tests.fakes.class_app import class_app, class_pane, settle_class
from tests.fakes.classroom import (
    CLASS_HOST,
    a_class,
    class_registry,
    opener,
    student_lab,
    submit,
    summary_of,
)
from tests.fakes.gate import Gate
from tests.fakes.lab_app import lab_app, lab_pane
from tests.fakes.registry import FakeRegistry
from tests.fakes.screen import screen_lines
from tests.fakes.services import fake_services, settle


@pytest.fixture
def klass(tmp_path: Path) -> FakeRegistry:
    """The fake class of five (made before the test's event loop runs)."""
    return a_class(tmp_path)


def plain(widget: ScreenStatic) -> str:
    content = widget.visual
    return content.plain if isinstance(content, Text) else str(content)


def cell_texts(table: DataTable[Any], column: int) -> list[str]:
    out = []
    for row in range(table.row_count):
        cell = table.get_row_at(row)[column]
        out.append(cell.plain if isinstance(cell, Text) else str(cell))
    return out


async def test_rows_appear_as_the_submissions_are_read(klass: FakeRegistry) -> None:
    registry = klass
    gate = Gate()

    async def slow_zed(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v2/lab7/manifests/zed":
            await gate.wait()
        return registry.handle(request)

    settings = Settings()
    service = ClassService(
        settings,
        class_pane_ref(),
        registry=RegistryService(
            settings,
            address=f"http://{CLASS_HOST}",
            transport=httpx.MockTransport(slow_zed),
            store=NoCredentials(),
        ),
    )
    from buildtui.app.classroom.app import make_class_app

    app = make_class_app(settings, service, "en")
    async with app.run_test(size=(160, 48)) as pilot:
        pane = class_pane(app)
        for _ in range(200):
            await pilot.pause(0.02)
            if len(pane.rows) == 4:
                break
        assert sorted(pane.rows) == ["eve", "jan-kowalski", "ola-nowak", "piotr-zielinski"]
        assert pane.reading and pane.table.row_count == 4
        title = plain(pane.query_one("#class-title", ScreenStatic))
        assert "reading the submissions… 4 read so far" in title
        gate.set()
        await settle_class(pilot)
        assert not pane.reading and pane.table.row_count == 5
        assert "submissions: 5" in plain(pane.query_one("#class-title", ScreenStatic))
        # Sorted by student once all are read (Eve's name starts with a bracket).
        assert cell_texts(pane.table, 0)[1:] == [
            "Jan Kowalski", "Ola Nowak", "Piotr Zieliński", "Zed"
        ]  # fmt: skip


def class_pane_ref() -> ClassRef:
    from buildtui.classroom.ref import parse_class_ref

    return parse_class_ref(f"{CLASS_HOST}/lab7")


async def test_a_row_s_details_and_its_report_are_shown_as_data(klass: FakeRegistry) -> None:
    app = class_app(klass)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle_class(pilot)
        pane = class_pane(app)
        assert pane.highlighted is not None and pane.highlighted.tag == "eve"
        students = cell_texts(pane.table, 0)
        assert students[0] == "[@click=app.quit]Eve[/]\\x1b]0;pwned\\x07\\u202eevil"
        details = plain(pane.query_one("#class-details", ThemedStatic))
        assert "Student: [@click=app.quit]Eve[/]\\x1b]0;pwned\\x07\\u202eevil" in details
        assert "also in the submission of ola-nowak" in details
        assert "on the student's own machine: not reachable from here" in details
        await pilot.press("enter")
        await settle_class(pilot)
        assert isinstance(app.screen, ClassReportScreen)
        report = plain(app.screen.query_one("#class-report", ThemedStatic))
        assert "- Student: [bold red]Eve[/]\\x1b[2J\\x1b]52;c;cHduZWQ=\\x07" in report
        assert "## 1. [@click=app.quit]quit[/]" in report and "\\x9b31m" in report
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ClassScreen)
        assert app.is_running  # nothing in it was run as an action


@pytest.fixture
def one_student(tmp_path: Path) -> FakeRegistry:
    """A class of one honest student (made before the test's event loop runs)."""
    registry = class_registry()
    submit(student_lab(tmp_path / "jan"), registry, "Jan Kowalski")
    return registry


async def test_the_evidence_column_widens_to_what_the_checks_found(
    one_student: FakeRegistry,
) -> None:
    """A row's evidence is first "consistent; checking the digests…", then what the
    check found, a longer sentence: the column follows it, so it is shown whole."""
    app = class_app(one_student)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle_class(pilot)
        (evidence,) = cell_texts(class_pane(app).table, 4)
        assert not evidence.endswith("checking the digests…")
        lines = ["".join(line) for line in screen_lines(app)]
        assert any(evidence in line for line in lines), (evidence, lines[:8])


async def test_a_submission_that_cannot_be_read_says_why(klass: FakeRegistry) -> None:
    app = class_app(klass)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle_class(pilot)
        pane = class_pane(app)
        pane.table.move_cursor(row=4)
        await pilot.pause()
        assert pane.highlighted is not None and pane.highlighted.tag == "zed"
        evidence = cell_texts(pane.table, 4)[4]
        assert evidence.startswith("Refused: builds.json is not valid JSON")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ClassScreen)
        assert any("cannot be read" in n.message for n in app._notifications)


async def test_the_pane_speaks_polish(klass: FakeRegistry) -> None:
    app = class_app(klass)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle_class(pilot)
        await pilot.press("l")
        await settle_class(pilot)
        pane = class_pane(app)
        assert language() == "pl" and pane.table.row_count == 5
        headers = [str(column.label) for column in pane.table.columns.values()]
        assert headers[0] == "Student" and headers[2] == "Zrobione"
        screen = "\n".join(screen_lines(app))
        assert "tryb grupy" in screen and "Grupa class.test:5000/lab7" in screen
        assert "Zamknij" in screen and "Odśwież" in screen  # the footer
        assert "Close" not in screen and "class mode" not in screen
        assert load_settings(environ={}).language == "pl"  # kept, as the app's palette keeps it
        await pilot.press("l")
        await settle_class(pilot)
        assert language() == "en" and "class mode" in "\n".join(screen_lines(app))


async def test_the_app_s_palette_opens_the_class_of_the_setting(tmp_path: Path) -> None:
    settings, services = fake_services(tmp_path)
    settings = Settings(registry_url=settings.registry_url, class_ref="localhost:5000/lab7")
    services.settings = settings
    app = make_app(settings, services)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        names = [command.title for command in app.get_system_commands(app.screen)]
        assert "Show the class" in names
        app.action_show_class()
        await settle_class(pilot)
        assert isinstance(app.screen, ClassScreen)
        pane = app.screen.query_one("ClassPane")
        assert "No submission yet: localhost:5000/lab7 does not exist" in plain(
            pane.query_one("#class-details", ThemedStatic)
        )
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ClassScreen)
        # The class shared the panes' registry client, which is still open for them.
        assert services.registry is not None


async def test_the_palette_has_no_class_without_the_setting(tmp_path: Path) -> None:
    settings, services = fake_services(tmp_path)
    app = make_app(settings, services)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        names = [command.title for command in app.get_system_commands(app.screen)]
        assert "Show the class" not in names


def lab_with_class(tmp_path: Path) -> tuple[LabService, FakeRegistry]:
    from tests.fakes.classroom import student_lab

    registry = class_registry()
    lab = student_lab(tmp_path / "jan")
    lab.class_registry = opener(registry, lab.settings)
    return lab, registry


async def test_the_lab_pane_submits_the_lab(tmp_path: Path) -> None:
    lab, registry = lab_with_class(tmp_path)
    app = lab_app(lab)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SubmitScreen)
        check = app.screen.query_one("#submit-check", ScreenStatic)
        assert plain(check) == "Type the class your instructor gave you."
        await pilot.press(*"class.test:5000/lab7")
        await pilot.press("enter")  # to the name
        assert plain(check) == "the student's name is empty: give it with --student NAME"
        await pilot.press(*"Łukasz Żółć")
        assert plain(check) == "Tagged as lukasz-zolc in class.test:5000/lab7."
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, SubmitScreen)
        notes = [n.message for n in app._notifications]
        done = next(n for n in notes if n.startswith("Submitted: "))
        assert done.startswith("Submitted: class.test:5000/lab7:lukasz-zolc, 5/9 done, digest ")
        assert "Your name is tagged lukasz-zolc" in done
    assert summary_of(registry, "lukasz-zolc")["student"] == "Łukasz Żółć"


async def test_a_refused_submission_is_said_in_the_lab_pane(tmp_path: Path) -> None:
    lab, registry = lab_with_class(tmp_path)
    registry.push_image("lab7", "jan", "linux/amd64", (b"an image",))
    app = lab_app(lab)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SubmitScreen)
        screen.query_one("#submit-class", Input).value = "class.test:5000/lab7"
        screen.query_one("#submit-student", Input).value = "jan"
        await pilot.pause()
        screen.submit()
        await settle(pilot)
        notes = [n.message for n in app._notifications]
        refused = next(n for n in notes if n.startswith("The lab was not submitted: "))
        assert "The tag jan of lab7 already holds something that is not a lab submission" in refused
    assert json.loads(registry.manifests["lab7"][registry.tags["lab7"]["jan"]][0])


async def test_lab_pane_fixture_is_the_pane(tmp_path: Path) -> None:
    """The helper the tests above share with test_lab_pane finds the pane that shows the
    lab's checklist."""
    lab, _ = lab_with_class(tmp_path)
    app = lab_app(lab)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert lab_pane(app).query_one("#lab-table", DataTable).row_count > 0
