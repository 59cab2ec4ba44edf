"""Snapshots of the app shell with deterministic fakes."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from buildtui.app.app import make_app
from buildtui.app.services import Services
from buildtui.settings import Settings
from tests.fakes.status import FakeStatusService, engine_down_status, healthy_status


def shell(status_service: FakeStatusService) -> Any:
    settings = Settings()
    return make_app(settings, Services(settings=settings, status=status_service))


async def settle(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_shell_healthy(snap_compare: Any) -> None:
    assert snap_compare(
        shell(FakeStatusService(healthy_status())), terminal_size=(120, 24), run_before=settle
    )


def test_shell_engine_down_doctor(snap_compare: Any) -> None:
    async def open_doctor(pilot: Pilot[None]) -> None:
        await settle(pilot)
        pilot.app.clear_notifications()
        await pilot.press("d")
        await pilot.pause()

    assert snap_compare(
        shell(FakeStatusService(engine_down_status())),
        terminal_size=(120, 24),
        run_before=open_doctor,
    )
