"""Snapshots of the whole app on deterministic fakes: each pane, and the doctor."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from buildtui.app.app import BuildTUI, make_app
from tests.fakes.services import fake_services, settle
from tests.fakes.status import FakeStatusService, engine_down_status


def full_app(tmp_path: Path, status: FakeStatusService | None = None) -> BuildTUI:
    settings, services = fake_services(tmp_path, status)
    return make_app(settings, services)


@pytest.mark.parametrize("key", ["1", "3", "4"])
def test_app_pane(snap_compare: Any, tmp_path: Path, key: str) -> None:
    async def show(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)

    assert snap_compare(full_app(tmp_path), terminal_size=(130, 32), run_before=show)


def test_engine_down_doctor(snap_compare: Any, tmp_path: Path) -> None:
    async def open_doctor(pilot: Pilot[None]) -> None:
        await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.press("d")
        await pilot.pause()

    app = full_app(tmp_path, FakeStatusService(engine_down_status()))
    assert snap_compare(app, terminal_size=(130, 32), run_before=open_doctor)


def test_light_theme_builders_and_doctor(snap_compare: Any, tmp_path: Path) -> None:
    """Under a light theme the statuses, marks and errors take the theme's own colours."""
    settings, services = fake_services(tmp_path, FakeStatusService(engine_down_status()))
    app = make_app(replace(settings, theme="textual-light"), services)

    async def open_doctor(pilot: Pilot[None]) -> None:
        await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.press("d")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(130, 32), run_before=open_doctor)
