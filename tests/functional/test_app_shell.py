"""The app shell: four panes by key, the status bar filled in the background, doctor."""

from __future__ import annotations

import threading

from textual.message import Message
from textual.notifications import Notify
from textual.widgets import TabbedContent

from buildtui.app.app import make_app
from buildtui.app.screens.doctor import DoctorScreen
from buildtui.app.services import Services
from buildtui.app.widgets.status_bar import StatusBar
from buildtui.settings import Settings
from tests.fakes.status import FakeStatusService, engine_down_status, healthy_status


def app_with(status_service: FakeStatusService):  # type: ignore[no-untyped-def]
    settings = Settings()
    return make_app(settings, Services(settings=settings, status=status_service))


async def test_four_panes_reached_by_keys() -> None:
    app = app_with(FakeStatusService(healthy_status()))
    async with app.run_test(size=(120, 30)) as pilot:
        tabs = app.query_one(TabbedContent)
        assert [pane.id for pane in tabs.query("TabPane")] == [
            "builders",
            "build",
            "registry",
            "cleanup",
        ]
        for key, pane_id in [
            ("2", "build"),
            ("3", "registry"),
            ("4", "cleanup"),
            ("1", "builders"),
        ]:
            await pilot.press(key)
            assert tabs.active == pane_id


async def test_panes_reached_by_mouse() -> None:
    app = app_with(FakeStatusService(healthy_status()))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.click("#--content-tab-registry")
        assert app.query_one(TabbedContent).active == "registry"


async def test_status_fills_in_after_the_first_frame_without_blocking_input() -> None:
    gate = threading.Event()
    service = FakeStatusService(healthy_status(), gate=gate)
    app = app_with(service)
    async with app.run_test(size=(120, 30)) as pilot:
        bar = app.query_one(StatusBar)
        assert bar.status is None
        # The probe is blocked, yet keys still work.
        await pilot.press("3")
        assert app.query_one(TabbedContent).active == "registry"
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert bar.status is not None
        assert "registry7 up" in str(bar.render())
        assert service.calls == 1


async def test_engine_down_is_said_with_fixes() -> None:
    app = app_with(FakeStatusService(engine_down_status()))
    notes: list[str] = []

    def hook(message: Message) -> None:
        if isinstance(message, Notify):
            notes.append(message.notification.message)

    async with app.run_test(size=(120, 30), message_hook=hook) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "Docker not reachable" in str(app.query_one(StatusBar).render())
        notes = [n.message for n in app._notifications]
        assert any("Docker engine not reachable" in note for note in notes)
        await pilot.press("d")
        assert isinstance(app.screen, DoctorScreen)
        text = " ".join(str(w.render()) for w in app.screen.query("Static.check"))
        assert "fix: start the Docker daemon" in text
        assert "fix: `docker start registry7`" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, DoctorScreen)


async def test_refresh_key_probes_again() -> None:
    service = FakeStatusService(healthy_status())
    app = app_with(service)
    async with app.run_test(size=(120, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press("ctrl+r")
        await app.workers.wait_for_complete()
        assert service.calls == 2


async def test_command_palette_offers_the_panes() -> None:
    app = app_with(FakeStatusService(healthy_status()))
    async with app.run_test(size=(120, 30)):
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Show the Registry pane" in titles
        assert "Doctor" in titles
