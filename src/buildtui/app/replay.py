"""`buildtui lab replay BUILD [BUILD]`: the app on the Build pane, replaying kept builds.

The Build pane replays them as it shows a running build (steps, CACHED lines, summary),
from the recorded log on the recorded clock, one build or two side by side; see
`buildtui.app.builds.replay`. Nothing is added to the history.
"""

from __future__ import annotations

from collections.abc import Sequence

from buildtui.app.app import BuildTUI
from buildtui.app.services import Services
from buildtui.builds.history import BuildRecord
from buildtui.settings import Settings

WAIT_FOR_PANES = 0.1


class ReplayApp(BuildTUI):
    """The app, on the Build pane, starting the replay once the pane is there."""

    def __init__(
        self,
        settings: Settings,
        services: Services | None,
        records: Sequence[BuildRecord],
        stage_orders: Sequence[Sequence[str]] = (),
        *,
        speed: float = 1.0,
        paused: bool = False,
    ) -> None:
        super().__init__(settings, services)
        self.replay_records = list(records)
        self.replay_orders = [list(order) for order in stage_orders]
        self.replay_speed = speed
        self.replay_paused = paused
        self.replay_started = False

    def on_mount(self) -> None:
        self.action_show_pane("build")  # the panes come later: shown once they are there
        self._waiting = self.set_interval(WAIT_FOR_PANES, self._start_replay)

    def _start_replay(self) -> None:
        from buildtui.app.builds.pane import BuildPane

        panes = self.query(BuildPane)
        if self.replay_started or not panes or not panes.first().is_mounted:
            return
        self.replay_started = True
        self._waiting.stop()
        panes.first().start_replay(
            self.replay_records,
            self.replay_orders,
            speed=self.replay_speed,
            paused=self.replay_paused,
        )
