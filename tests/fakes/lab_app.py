"""A small app hosting only the Lab pane, for Pilot and snapshot tests."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.pilot import Pilot

from buildtui.app.panes.lab import LabPane
from buildtui.lab.service import LabService


class LabPaneApp(App[None]):
    """The pane alone; no periodic refresh (tests refresh by key)."""

    def __init__(self, service: LabService, language: str = "en") -> None:
        super().__init__()
        self.service = service
        self.language = language

    def compose(self) -> ComposeResult:
        yield LabPane(self.service, language=self.language, refresh_interval=None, id="lab")

    @property
    def pane(self) -> LabPane:
        return self.query_one(LabPane)


async def settle(pilot: Pilot[None]) -> None:
    for _ in range(6):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
