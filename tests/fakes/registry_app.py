"""A small app hosting only the Registry pane, for Pilot and snapshot tests."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Input

from buildtui.app.panes.registry import RegistryPane
from buildtui.registry.service import RegistryBrowser


class RegistryPaneApp(App[None]):
    """The pane alone, as the shell mounts it; the filter's cursor does not blink."""

    def __init__(self, service: RegistryBrowser) -> None:
        super().__init__()
        self.service = service

    def compose(self) -> ComposeResult:
        yield RegistryPane(self.service, id="registry")

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = False

    @property
    def pane(self) -> RegistryPane:
        return self.query_one(RegistryPane)


async def settle(pilot: Pilot[None]) -> None:
    """Wait until workers are done and the messages they posted are handled."""
    for _ in range(6):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
