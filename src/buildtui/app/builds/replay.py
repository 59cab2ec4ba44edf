"""The Build pane's replays: kept builds shown again at their recorded pace, one in the
step view or two side by side, with keys to pause, step, change the speed, restart and
end. While a replay is shown its banner says so, and run and cancel are off.

`ReplayControls` is the part of `BuildPane` that does it (a mixin: it reads the pane's
views and live build). The replay itself is a `ReplaySession` (`buildtui.builds.replay`):
no engine, no network, and nothing added to the history.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import work
from textual.containers import Vertical
from textual.widgets import ContentSwitcher, Static

from buildtui.app.builds.log_panel import BuildLogPanel
from buildtui.app.builds.pair_view import BuildPairView
from buildtui.app.builds.run import run_build
from buildtui.app.builds.steps_view import BuildStepsView
from buildtui.buildlog.presentation import speeds_text
from buildtui.builds.history import BuildRecord, compare
from buildtui.builds.live import LiveBuild
from buildtui.builds.presentation import (
    comparison_headline,
    replay_banner,
    replay_status_line,
    started_text,
)
from buildtui.builds.replay import ReplayService, ReplaySession, platforms_of
from buildtui.i18n import N_, _

REPLAY_ACTIONS = frozenset(("faster", "slower", "restart_replay", "end_replay"))
"""The keys of a replay: shown (and in the palette) only while one is shown."""
PLAYING_ACTIONS = frozenset(("pause", "play", "step"))
"""The keys of a replay that still goes on: pause (while it plays), play (while paused),
step."""
OFF_WHILE_REPLAYING = frozenset(
    ("run", "cancel", "rerun", "copy_command", "apply_preset", "toggle_build_arg_values")
)
"""Running and canceling builds: off while a replay is shown (`e` ends it). So is showing
the `--build-arg` values: a replay is for a room to see, they stay `NAME=…`."""


class ReplayControls(Vertical):
    """The Build pane's replay keys and state (see the module's docstring)."""

    replay: ReplaySession | None = None
    """The replay shown, if one is."""
    replay_lives: list[LiveBuild]
    """Its builds as they are replayed (one, or two side by side)."""
    live: LiveBuild | None

    def keep_ticking(self) -> None:
        """A build or replay started: the pane redraws its elapsed times (BuildPane)."""

    @property
    def view(self) -> str:
        """The view in front: form, steps, log, history or pair."""
        current = self.query_one("#build-views", ContentSwitcher).current or "view-form"
        return current.removeprefix("view-")

    # The pane's own, used here.
    def action_show_view(self, view: str) -> None: ...
    def _refresh_live(self, force: bool = False) -> None: ...
    def _show_glance(self, speeds: Sequence[float] | None = None) -> None: ...

    # -- starting --------------------------------------------------------------------

    def start_replay(
        self,
        records: Sequence[BuildRecord],
        stage_orders: Sequence[Sequence[str]] = (),
        *,
        speed: float = 1.0,
        paused: bool = False,
    ) -> ReplaySession | None:
        """Replay `records` (one, or two side by side) from the start; None when a build
        is running (it is not replaced)."""
        if self.replay is None and self.live is not None and self.live.running:
            self.notify(_("A build is running: cancel it (F8) or wait for it."), severity="warning")
            return None
        if self.replay is not None:
            self.replay.cancel()
        self.replay = ReplaySession(records, speed, paused=paused)
        self._stage_orders = [list(order) for order in stage_orders]
        self._start_lives()
        return self.replay

    def _start_lives(self) -> None:
        session = self.replay
        assert session is not None
        orders = self._stage_orders + [[]] * len(session.records)
        # Side by side, both list their platforms in the same order: the first one's.
        platforms = platforms_of(session.records[0].entry.argv)
        self.replay_lives = [
            LiveBuild(
                record.entry.argv,
                stage_order=order,
                platform_order=platforms,
                clock=session.clock.now,
            )
            for record, order in zip(session.records, orders, strict=False)
        ]
        if session.side_by_side:
            self.live = None
            self.query_one(BuildPairView).start([r.entry for r in session.records])
            self.action_show_view("pair")
        else:
            live, entry = self.replay_lives[0], session.records[0].entry
            self.live = live
            steps = self.query_one(BuildStepsView)
            steps.show_command(
                _("Replay of build #{id} of {text}\n").format(
                    id=entry.id, text=started_text(entry)
                ),
                entry.argv,
            )
            steps.show_problem("")
            steps.clear_outcome()
            self.query_one(BuildLogPanel).set_lines(live.lines)
            if self.view not in ("steps", "log"):
                self.action_show_view("steps")
        for live, service in zip(self.replay_lives, session.services, strict=True):
            self._run_replay(live, service)
        self.keep_ticking()
        self.draw_replay()
        self.refresh_bindings()

    @work(thread=True, group="replay", exit_on_error=False)
    def _run_replay(self, live: LiveBuild, service: ReplayService) -> None:
        run_build(live, None, service, None, self.post_message)

    # -- as it goes ---------------------------------------------------------------------

    def is_replayed(self, live: LiveBuild) -> bool:
        return self.replay is not None and any(live is shown for shown in self.replay_lives)

    @property
    def replay_speeds(self) -> Sequence[float]:
        """The speeds the replay ran at (empty: no replay is shown)."""
        return self.replay.clock.speeds if self.replay is not None else ()

    def replay_progressed(self, live: LiveBuild) -> None:
        """New lines of a replayed build (posted by its worker)."""
        if live is self.live:
            self._refresh_live()
        else:
            self.draw_replay()

    def replay_finished(self, live: LiveBuild) -> None:
        """A replayed build's log ended: it shows the summary it was kept with."""
        session = self.replay
        assert session is not None
        index = next(i for i, shown in enumerate(self.replay_lives) if shown is live)
        if not live.canceled:
            live.show_recorded(session.records[index].entry.summary)
        if live is self.live:
            self._refresh_live(force=True)
        self.draw_replay()
        self.refresh_bindings()

    def draw_replay(self) -> None:
        """The banner, the status line and (side by side) both columns."""
        session = self.replay
        banner = self.query_one("#replay-banner", Static)
        banner.display = session is not None
        if session is None:
            return
        finished = not any(live.running for live in self.replay_lives)
        state = (
            N_("finished")
            if finished
            else (N_("paused") if session.clock.paused else N_("playing"))
        )
        banner.update(replay_banner(session, state))
        if session.side_by_side:
            pair = self.query_one(BuildPairView)
            pair.draw(self.replay_lives, self.replay_speeds)
            if finished and not any(live.canceled for live in self.replay_lives):
                old, new = (record.entry for record in session.records)
                verdict = comparison_headline(compare(old, new))
                speeds = speeds_text(session.clock.speeds)
                head = _("#{id} → #{id2}, times as recorded (replayed at {speeds})").format(
                    id=old.id, id2=new.id, speeds=speeds
                )
                pair.show_verdict(Text(f"{head}: {verdict}"))
            status = replay_status_line(session, self.replay_lives)
            self.query_one("#build-status", Static).update(status, layout=False)

    # -- the keys ---------------------------------------------------------------------

    def replay_check(self, action: str) -> bool | None:
        """Whether a replay's key is offered now (None: not a replay's key)."""
        if action in REPLAY_ACTIONS:
            return self.replay is not None
        if action not in PLAYING_ACTIONS:
            return None
        session = self.replay
        if session is None or not any(live.running for live in self.replay_lives):
            return False
        if action == "pause":
            return not session.clock.paused
        if action == "play":
            return session.clock.paused
        return True

    def action_pause(self) -> None:
        if self.replay is not None:
            self.replay.clock.pause()
            self.draw_replay()
            self.refresh_bindings()

    def action_play(self) -> None:
        if self.replay is not None:
            self.replay.clock.resume()
            self.draw_replay()
            self.refresh_bindings()

    def action_step(self) -> None:
        if self.replay is not None:
            if not self.replay.clock.step():
                self.notify(_("The replay is over: r replays it again."))
            self.draw_replay()
            self.refresh_bindings()

    def action_faster(self) -> None:
        if self.replay is not None:
            self._speed_changed(self.replay.faster())

    def action_slower(self) -> None:
        if self.replay is not None:
            self._speed_changed(self.replay.slower())

    def _speed_changed(self, speed: float) -> None:
        self.draw_replay()
        self.notify(_("Replaying at {text}.").format(text=speeds_text([speed])), timeout=2)

    def action_restart_replay(self) -> None:
        if self.replay is not None:
            self.replay.restart()
            self._start_lives()

    def action_end_replay(self) -> None:
        """Stop the replay; what it showed stays, and F5 runs builds again."""
        session = self.replay
        if session is None:
            return
        session.cancel()
        ids = " and ".join(f"#{record.entry.id}" for record in session.records)
        if any(live.running for live in self.replay_lives):
            # Stopped half-way: what it showed stays, but is no build's outcome.
            self.live = None
            status = _("The replay of {ids} was ended; F5 runs builds again.").format(ids=ids)
        else:
            status = _("The replay of {ids} is over; F5 runs builds again.").format(ids=ids)
        self.replay = None
        self.replay_lives = []
        self.draw_replay()
        self._show_glance()
        self.query_one("#build-status", Static).update(status, layout=False)
        if self.view == "pair":
            self.action_show_view("history")
        self.refresh_bindings()
