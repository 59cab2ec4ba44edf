"""Switching to a builder that is not running says so first and offers to start it; the
builder in use changes only if it came up (or if asked to anyway). The Lab's item 2
opens the create form filled in with the lab's builder."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import Button, Checkbox, DataTable, Input, Select, Static, TabbedContent

from buildtui.app.app import BuildTUI, make_app
from buildtui.app.builders.bootstrap import BootstrapScreen
from buildtui.app.builders.create import CreateBuilderScreen
from buildtui.app.builders.pane import BuildersPane
from buildtui.app.builders.use import UseBuilderScreen
from buildtui.app.lab.pane import LabPane
from tests.fakes.builders import FakeBuildersService
from tests.fakes.builders_app import builders_app, builders_pane
from tests.fakes.cleanup import lab_fake_registry
from tests.fakes.lab import fake_lab_service
from tests.fakes.services import fake_services, settle, until

SIZES = [(160, 48), (100, 30)]


async def highlight(app: BuildTUI, pilot: Pilot[None], name: str) -> None:
    table = builders_pane(app).query_one("#builders-table", DataTable)
    table.focus()
    keys = [str(row.key.value) for row in table.ordered_rows]
    table.move_cursor(row=keys.index(f"b:{name}"))
    await settle(pilot)


def notes(posted: list[Message]) -> list[tuple[str, str]]:
    return [
        (m.notification.severity, m.notification.message) for m in posted if isinstance(m, Notify)
    ]


def visible(app: BuildTUI, widget_id: str) -> bool:
    widget = app.screen.query_one(widget_id)
    return app.screen.region.contains_region(widget.region) and widget.region.width > 0


@pytest.mark.parametrize("size", SIZES)
async def test_a_builder_that_cannot_start_never_becomes_the_one_in_use(
    size: tuple[int, int],
) -> None:
    service = FakeBuildersService()  # lab7: docker-container, inactive; cannot be pulled
    posted: list[Message] = []
    app = builders_app(service)
    async with app.run_test(size=size, message_hook=posted.append) as pilot:
        await settle(pilot)
        await highlight(app, pilot, "lab7")
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, UseBuilderScreen), "asking")
        warning = str(app.screen.query_one("#use-warning", Static).render())
        assert warning.startswith("lab7 is not running (inactive).")
        for button in ("#use-cancel", "#use-anyway", "#use-bootstrap"):
            assert visible(app, button), button
        assert app.focused is app.screen.query_one("#use-bootstrap", Button)
        await pilot.press("enter")  # Bootstrap, then use
        await until(pilot, lambda: isinstance(app.screen, BootstrapScreen), "starting it")
        screen = app.screen
        assert isinstance(screen, BootstrapScreen)
        await until(pilot, lambda: screen.done, "done")
        assert not screen.succeeded
        await pilot.press("escape")  # Close
        await settle(pilot)
        assert ("use", "lab7") not in service.calls
        assert service.list().current == "default"
        assert (
            "error",
            "lab7 did not start, so default stays the builder in use.",
        ) in notes(posted)


@pytest.mark.parametrize("size", SIZES)
async def test_a_builder_that_comes_up_is_then_used_or_used_anyway(
    size: tuple[int, int],
) -> None:
    service = FakeBuildersService()  # farbox: remote, its node in error; its start works
    app = builders_app(service)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await highlight(app, pilot, "farbox")
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, UseBuilderScreen), "asking")
        await pilot.click("#use-bootstrap")
        await until(pilot, lambda: isinstance(app.screen, BootstrapScreen), "starting it")
        screen = app.screen
        assert isinstance(screen, BootstrapScreen)
        await until(pilot, lambda: screen.done, "done")
        assert screen.succeeded
        await pilot.press("escape")
        await settle(pilot)
        assert service.calls[-2:] == [("bootstrap", "farbox"), ("use", "farbox")]
        # Use anyway: no bootstrap, the switch only.
        await highlight(app, pilot, "lab7")
        await pilot.press("u")
        await until(pilot, lambda: isinstance(app.screen, UseBuilderScreen), "asking")
        await pilot.click("#use-anyway")
        await settle(pilot)
        assert service.calls[-1] == ("use", "lab7")
        assert service.list().current == "lab7"
        # Cancel changes nothing; a running builder is used without a question.
        await highlight(app, pilot, "cachebox")
        await pilot.press("u")
        await settle(pilot)
        assert not isinstance(app.screen, UseBuilderScreen)
        assert service.list().current == "cachebox"


@pytest.mark.parametrize("size", SIZES)
async def test_enter_on_lab_item_2_opens_the_create_form_with_the_lab_builder(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    settings, services = fake_services(tmp_path)
    builders = services.builders
    assert isinstance(builders, FakeBuildersService)
    # No docker-container builder yet: item 2 proposes to create one.
    builders.builders = [b for b in builders.builders if b.driver != "docker-container"]
    assert services.build is not None
    lab = fake_lab_service(
        tmp_path, lab_fake_registry(), settings=settings, history=services.build.history,
        builders=builders,
    )  # fmt: skip
    app = make_app(settings, replace(services, lab=lab))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        lab_pane = app.query_one(LabPane)
        table = lab_pane.query_one("#lab-table", DataTable)
        table.focus()
        table.move_cursor(row=1)  # item 2
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, CreateBuilderScreen), "the form")
        form = app.screen
        assert form.query_one("#create-name", Input).value == "lab7"
        assert form.query_one("#create-driver", Select).value == "docker-container"
        assert form.query_one("#create-use", Checkbox).value
        assert form.query_one("#create-bootstrap", Checkbox).value
        command = str(form.query_one("#create-command").render())
        assert "docker buildx create --name lab7 --driver docker-container" in command
        assert app.query_one("#panes", TabbedContent).active == "builders"
        assert isinstance(app.query_one(BuildersPane), BuildersPane)
