"""A small app hosting only the Builders pane, for Pilot and snapshot tests."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.pilot import Pilot

from buildtui.app.panes.builders import BuildersPane
from buildtui.buildx.builders import BuildersBackend


class BuildersPaneApp(App[None]):
    """The pane alone, as the shell mounts it; no periodic refresh (tests refresh by key)."""

    def __init__(self, service: BuildersBackend, refresh_interval: float | None = None) -> None:
        super().__init__()
        self.service = service
        self.refresh_interval = refresh_interval

    def compose(self) -> ComposeResult:
        yield BuildersPane(self.service, refresh_interval=self.refresh_interval, id="builders")

    @property
    def pane(self) -> BuildersPane:
        return self.query_one(BuildersPane)


async def settle(pilot: Pilot[None]) -> None:
    """Wait until workers are done and the messages they posted are handled."""
    for _ in range(6):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
