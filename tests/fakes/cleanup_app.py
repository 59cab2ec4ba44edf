"""A small app hosting only the Clean-up pane, for Pilot and snapshot tests."""

from __future__ import annotations

from textual.app import App, ComposeResult

from buildtui.app.panes.cleanup import CleanupPane
from buildtui.cleanup.backend import CleanupBackend


class CleanupPaneApp(App[None]):
    """The pane alone, as the shell mounts it."""

    def __init__(self, service: CleanupBackend) -> None:
        super().__init__()
        self.service = service

    def compose(self) -> ComposeResult:
        yield CleanupPane(self.service, id="cleanup")

    @property
    def pane(self) -> CleanupPane:
        return self.query_one(CleanupPane)
