"""Snapshots of the Lab pane: the checklist after the lab's two builds, at 100x30."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable

from buildtui.app.app import make_app
from tests.fakes.cleanup import lab_fake_registry
from tests.fakes.lab import fake_lab_service, record_build
from tests.fakes.lab_app import lab_app
from tests.fakes.services import fake_services, settle


def test_lab_pane_after_the_two_builds(snap_compare: Any, tmp_path: Path) -> None:
    service = fake_lab_service(tmp_path, lab_fake_registry())
    record_build(service.history, "lab-first-build.log", 100.0)
    record_build(service.history, "lab-second-build.log", 200.0)

    async def highlight_item_seven(pilot: Pilot[None]) -> None:
        await settle(pilot)
        table = pilot.app.query_one("#lab-table", DataTable)
        table.move_cursor(row=6)
        await settle(pilot)

    app = lab_app(service)
    assert snap_compare(app, terminal_size=(100, 30), run_before=highlight_item_seven)


def test_lab_pane_in_polish(snap_compare: Any, tmp_path: Path) -> None:
    service = fake_lab_service(tmp_path, lab_fake_registry())
    record_build(service.history, "lab-first-build.log", 100.0)
    app = lab_app(service, language="pl")
    assert snap_compare(app, terminal_size=(100, 30), run_before=settle)


def test_lab_pane_in_the_app(snap_compare: Any, tmp_path: Path) -> None:
    settings, services = fake_services(tmp_path)
    assert services.build is not None
    record_build(services.build.history, "lab-first-build.log", 100.0)

    async def show(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)

    assert snap_compare(make_app(settings, services), terminal_size=(100, 30), run_before=show)
