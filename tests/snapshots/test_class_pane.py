"""Snapshots of class mode: the class of five (a copy flagged on both, a name of markup and
control codes, a submission that cannot be read) at 160x48 and 100x30, a report shown as
data, and the Lab pane's submit dialog."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.fakes.class_app import class_app, class_pane, settle_class
from tests.fakes.classroom import a_class, class_registry, opener, student_lab
from tests.fakes.lab_app import lab_app
from tests.fakes.registry import FakeRegistry
from tests.fakes.services import settle


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times as the snapshots were taken (the class shows them in the local zone)."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def klass(tmp_path: Path) -> FakeRegistry:
    return a_class(tmp_path)


async def on_the_copy(pilot: Pilot[None]) -> None:
    await settle_class(pilot)
    class_pane(pilot.app).table.move_cursor(row=3)  # Piotr, who copied Jan's data dir
    await settle_class(pilot)


def test_the_class_at_160x48(snap_compare: Any, klass: FakeRegistry) -> None:
    assert snap_compare(class_app(klass), terminal_size=(160, 48), run_before=on_the_copy)


def test_the_class_at_100x30(snap_compare: Any, klass: FakeRegistry) -> None:
    assert snap_compare(class_app(klass), terminal_size=(100, 30), run_before=on_the_copy)


def test_the_class_in_polish_at_100x30(snap_compare: Any, klass: FakeRegistry) -> None:
    app = class_app(klass, language="pl")
    assert snap_compare(app, terminal_size=(100, 30), run_before=settle_class)


def test_a_hostile_report_shown_as_data(snap_compare: Any, klass: FakeRegistry) -> None:
    async def open_eve(pilot: Pilot[None]) -> None:
        await settle_class(pilot)
        await pilot.press("enter")  # Eve's row is the first
        await settle_class(pilot)

    assert snap_compare(class_app(klass), terminal_size=(100, 30), run_before=open_eve)


def test_the_lab_pane_s_submit_dialog(snap_compare: Any, tmp_path: Path) -> None:
    lab = student_lab(tmp_path / "jan")
    lab.class_registry = opener(class_registry(), lab.settings)

    async def open_dialog(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("s")
        await pilot.press(*"class.test:5000/lab7", "enter", *"Łukasz Żółć")
        await pilot.pause()

    assert snap_compare(lab_app(lab), terminal_size=(100, 30), run_before=open_dialog)
