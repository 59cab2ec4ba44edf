"""`buildtui lab replay BUILD`: the app with the Build pane replaying a kept build.

The Build pane runs the replay as it runs a build (its steps, CACHED lines and
summary appear as they did), from a `ReplayService` instead of buildx; the replay is
not kept in the history again.
"""

from __future__ import annotations

from collections.abc import Sequence

from buildtui.app.app import BuildTUI
from buildtui.app.services import Services
from buildtui.build.evidence import BuildEvidence
from buildtui.build.history import BuildHistory
from buildtui.buildlog.summary import BuildSummary
from buildtui.settings import Settings

WAIT_FOR_PANES = 0.1


class KeptHistory(BuildHistory):
    """The history, read as it is: a replayed build is not added to it again."""

    def __init__(self, history: BuildHistory, build_id: int) -> None:
        super().__init__(history.path)
        self.build_id = build_id

    def add(
        self,
        *,
        started: float,
        argv: Sequence[str],
        command: str,
        summary: BuildSummary,
        log_lines: Sequence[str],
        canceled: bool = False,
        evidence: BuildEvidence | None = None,
        timing: Sequence[tuple[int, float]] = (),
    ) -> int:
        return self.build_id


class ReplayApp(BuildTUI):
    """The app, on the Build pane, starting the replay of `argv` once the pane is there."""

    def __init__(
        self, settings: Settings, services: Services, argv: Sequence[str], note: str
    ) -> None:
        super().__init__(settings, services)
        self.replay_argv = list(argv)
        self.replay_note = note
        self.replay_started = False

    def on_mount(self) -> None:
        self.action_show_pane("build")  # the panes come later: shown once they are there
        self._waiting = self.set_interval(WAIT_FOR_PANES, self._start_replay)

    def _start_replay(self) -> None:
        from buildtui.app.panes.build import BuildPane

        panes = self.query(BuildPane)
        if self.replay_started or not panes or not panes.first().is_mounted:
            return
        self.replay_started = True
        self._waiting.stop()
        panes.first().start_build(self.replay_argv)
        self.notify(self.replay_note, title="Replay", timeout=10)
