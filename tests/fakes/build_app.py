"""A small app hosting only the Build pane, for Pilot, snapshot and benchmark runs."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Input

from buildtui.app.panes.build import BuildPane, EvidenceCollector
from buildtui.build.evidence import collect
from buildtui.build.history import BuildHistory
from buildtui.build.runner import BuildService
from buildtui.settings import Settings
from tests.fakes.build import fixed_platforms


class BuildPaneApp(App[None]):
    """The pane alone, as the shell mounts it; input cursors do not blink."""

    def __init__(
        self,
        service: BuildService,
        history_path: Path,
        platforms: Callable[[], Sequence[str]] = fixed_platforms,
        settings: Settings | None = None,
        clock: Callable[[], float] = time.monotonic,
        evidence: EvidenceCollector | None = None,
    ) -> None:
        super().__init__()
        folder = history_path.parent
        self.evidence = evidence or (lambda argv: collect(list(argv), cwd=folder, data_dir=folder))
        self.service = service
        self.history = BuildHistory(history_path)
        self.platforms = platforms
        self.settings = settings or Settings()
        self.clock = clock

    def compose(self) -> ComposeResult:
        yield BuildPane(
            self.service,
            self.history,
            self.settings,
            self.platforms,
            clock=self.clock,
            evidence=self.evidence,
            id="build",
        )

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = False

    @property
    def pane(self) -> BuildPane:
        return self.query_one(BuildPane)


async def settle(pilot: Pilot[None]) -> None:
    """Wait until workers are done and the messages they posted are handled."""
    for _ in range(6):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
