"""The buildtui app: four panes, a status bar, the footer and the command palette."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Header, Static, TabbedContent, TabPane

from buildtui import __version__
from buildtui.app.commands import APP_COMMANDS, PANES, app_bindings
from buildtui.app.screens.doctor import DoctorScreen
from buildtui.app.services import Services, make_services
from buildtui.app.widgets.status_bar import StatusBar
from buildtui.engine.status import EngineStatus
from buildtui.settings import Settings

STATUS_INTERVAL = 15.0


class BuildTUI(App[None]):
    """Builders, builds, the lab registry and its clean-up, on one screen."""

    TITLE = "buildtui"
    SUB_TITLE = "Docker buildx lab"
    CSS_PATH = "app.tcss"
    BINDINGS = app_bindings()

    class StatusProbed(Message):
        """A fresh snapshot of the engine and registry, from the status worker."""

        def __init__(self, status: EngineStatus) -> None:
            super().__init__()
            self.status = status

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.status: EngineStatus | None = None
        self._reported_problems: tuple[str, ...] = ()

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="panes"):
            for pane_id, title, key in PANES:
                with TabPane(f"{key} {title}", id=pane_id):
                    yield self.make_pane(pane_id)
        yield StatusBar(self.registry_name, id="status")
        yield Footer()

    @property
    def registry_name(self) -> str:
        return self.services.settings.registry_container

    def make_pane(self, pane_id: str) -> Widget:
        """The widget for one pane; panes whose service is not wired say so."""
        return Static(f"The {pane_id} pane is not available in this build.", classes="pane-missing")

    def on_mount(self) -> None:
        self.sub_title = f"Docker buildx lab · {self.services.settings.registry_url}"
        # The first probe starts after the first frame: no I/O before it.
        self.call_after_refresh(self.refresh_status)
        self.set_interval(STATUS_INTERVAL, self.refresh_status)

    @work(thread=True, exclusive=True, group="status", exit_on_error=False)
    def refresh_status(self) -> None:
        self.post_message(self.StatusProbed(self.services.status.probe()))

    @on(StatusProbed)
    def show_status(self, message: StatusProbed) -> None:
        self.status = message.status
        self.query_one(StatusBar).status = message.status
        problems = tuple(check.detail for check in message.status.problems)
        if problems and problems != self._reported_problems:
            self.notify(
                "\n".join(problems) + "\nPress d for the fixes.",
                title="The lab is not complete",
                severity="error",
                timeout=8,
            )
        self._reported_problems = problems

    def action_show_pane(self, pane_id: str) -> None:
        self.query_one(TabbedContent).active = pane_id

    def action_doctor(self) -> None:
        self.push_screen(DoctorScreen(self.status))

    def action_refresh_status(self) -> None:
        self.refresh_status()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for command in APP_COMMANDS:
            yield SystemCommand(
                command.title if command.show else command.help,
                command.help,
                partial(self.run_action, command.action),
            )


def make_app(settings: Settings, services: Services | None = None) -> BuildTUI:
    """The one factory for the app: the CLI, tests, snapshots and screenshots use it."""
    return BuildTUI(services if services is not None else make_services(settings))


def run_app(settings: Settings) -> int:
    make_app(settings).run()
    return 0


if __name__ == "__main__":
    print(f"buildtui {__version__}: run `buildtui` to start the app")
