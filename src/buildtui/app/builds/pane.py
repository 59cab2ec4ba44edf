"""The Build pane: a form, the live step view, the raw log, the history of builds.

The pane owns no process itself: it asks its `BuildService` to start the exact
command the form shows, in a thread worker that parses the output and posts
progress at a bounded rate (`run.py`). The step view and the raw log view redraw from the
shared `LiveBuild` on those messages. The views are widgets of their own
(`*_view.py`, `log_panel.py` beside this module); what they show comes from
the presentation modules of `buildtui.builds` and `buildtui.buildlog`. Replays of kept
builds (one, or two side by side) are `replay.py`'s part of the pane.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Self

from textual import on, work
from textual.app import ComposeResult
from textual.timer import Timer
from textual.widgets import Button, ContentSwitcher, Static
from textual.worker import Worker, WorkerState

from buildtui.app.builds.commands import PANE_COMMANDS
from buildtui.app.builds.form import BuildForm
from buildtui.app.builds.form_view import BuildFormView
from buildtui.app.builds.history_view import BuildHistoryView
from buildtui.app.builds.log_panel import BuildLogPanel
from buildtui.app.builds.messages import (
    BuildFinished,
    BuildNotStarted,
    BuildProgress,
    BuildStarted,
    PlatformsLoaded,
)
from buildtui.app.builds.pair_view import BuildPairView
from buildtui.app.builds.pictures_view import BuildPicturesView
from buildtui.app.builds.replay import OFF_WHILE_REPLAYING, ReplayControls
from buildtui.app.builds.run import cancel_build, run_build
from buildtui.app.builds.steps import BuildSteps
from buildtui.app.builds.steps_view import BuildStepsView
from buildtui.app.commands import bindings
from buildtui.app.messages import LabChanged
from buildtui.app.panes import Pane
from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.builds.errors import BuildError, OptionsError
from buildtui.builds.evidence import EvidenceCollector, collect_evidence
from buildtui.builds.forecast import Forecasting
from buildtui.builds.history import BuildEntry, BuildHistory
from buildtui.builds.live import LiveBuild
from buildtui.builds.options import (
    LAB_PLATFORMS,
    dockerfile_of,
    lab_preset,
    shell_command,
)
from buildtui.builds.presentation import (
    buildx_args,
    glance_text,
    pushed_to,
    replay_status_line,
    started_text,
    status_line,
)
from buildtui.builds.runner import BuildService
from buildtui.forms import FormMemory
from buildtui.i18n import N_, _
from buildtui.settings import Settings

if TYPE_CHECKING:
    from buildtui.app.services import Services

__all__ = ["BuildPane", "EvidenceCollector", "PlatformsProvider"]

STATUS_INTERVAL = 0.5
"""Seconds between two redraws of the status line while lines stream in."""
TICK = 1.0
"""Seconds between redraws of running steps' elapsed time."""

PlatformsProvider = Callable[[], Sequence[str]]
"""Blocking call returning the current builder's platforms (run in a thread worker)."""

VIEWS = ("form", "steps", "log", "history", "pair", "pictures")
FOCUS = {
    "form": "#build-form",
    "steps": "#view-steps",
    "log": "#log",
    "history": "#history-table",
    "pair": "#pair-left .column-scroll",
    "pictures": "#view-pictures",
}
"""Where the focus goes in each view: inside the pane, so that its keys keep working. The
form itself, not a field: Tab then goes to its first field, Context. `pair`: two replayed
builds side by side."""

WORKER_TASKS = {
    "build-platforms": N_("Reading the builder's platforms"),
    "replay": N_("Replaying a kept build"),
}
"""What each of the pane's workers (by group) does, besides running the build itself
(the history view's workers are its own)."""


FORM_NAME = "build"
"""The Build form's file in the form memory."""


class BuildPane(ReplayControls, Pane):
    """Run buildx builds, watch their steps and log, keep, compare and replay them."""

    AUTO_FOCUS = (
        "#build-form, #view-steps, #log, #history-table, #pair-left .column-scroll, #view-pictures"
    )
    """Where the focus goes when the shell shows this pane: the current view's first
    (never a text field, where the next pane key would be typed)."""

    DEFAULT_CSS = """
    BuildPane { height: 1fr; }
    BuildPane > #build-status { height: 1; padding: 0 1; background: $boost; }
    BuildPane > #build-views { height: 1fr; }
    BuildPane > #replay-banner {
        height: auto; padding: 0 1; background: $warning-muted; color: $text; display: none;
    }
    BuildPane > #build-glance { height: auto; padding: 0 1; background: $boost; display: none; }
    """

    COMMANDS = PANE_COMMANDS
    """Offered by the app's command palette while this pane is in front."""
    BINDINGS = bindings(PANE_COMMANDS)

    @classmethod
    def from_services(cls, services: Services) -> Self | None:
        build = services.build
        if build is None:
            return None
        return cls(
            build.runner,
            build.history,
            services.settings,
            build.platforms,
            clock=build.clock,
            evidence=build.evidence or collect_evidence,
            forms=services.forms,
            forecasting=build.forecasting,
        )

    def __init__(
        self,
        service: BuildService,
        history: BuildHistory,
        settings: Settings,
        platforms: PlatformsProvider,
        *,
        clock: Callable[[], float] = time.monotonic,
        evidence: EvidenceCollector | None = collect_evidence,
        forms: FormMemory | None = None,
        forecasting: Forecasting | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.evidence = evidence
        self.forecasting = forecasting
        """Forecasts the form's build as it changes, and each build before it runs."""
        self.forms = forms
        """Where the form's last values are kept across restarts (None: not kept)."""
        self._remember_timer: Timer | None = None
        self.service = service
        self.history = history
        self.settings = settings
        self.platforms_provider = platforms
        self.live: LiveBuild | None = None
        self.build_worker: Worker[None] | None = None
        """The worker running `live` (a failure of another worker leaves the build be)."""
        self.build_arg_values = False
        """Show `--build-arg` values (else `NAME=…`) in the history and the command."""
        self._drawn_version = -1
        self._pictures_version = -1
        self._status_drawn_at = 0.0
        self.replay_lives: list[LiveBuild] = []
        self._ticker: Timer | None = None
        self._ticking = False
        """Whether `_ticker` runs (the pane pauses and resumes it: Textual does not say)."""
        self._stage_orders: list[list[str]] = []

    # -- layout --------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield ScreenStatic("", id="replay-banner")
        yield ScreenStatic(_("No build yet. Fill in the form and press F5."), id="build-status")
        with ContentSwitcher(initial="view-form", id="build-views"):
            yield BuildFormView(self.settings, forecasting=self.forecasting, id="view-form")
            yield BuildStepsView(id="view-steps")
            yield BuildLogPanel(id="view-log")
            yield BuildHistoryView(self.history, id="view-history")
            yield BuildPairView(id="view-pair")
            yield BuildPicturesView(self.history, self.settings.registry_host, id="view-pictures")
        # How the build went, its CACHED count and cache import: in view under the steps
        # however many there are (a projector's 30 rows show few).
        yield BuildSteps(id="build-glance")

    def on_mount(self) -> None:
        if self.forms is not None:
            remembered = self.forms.load(FORM_NAME)
            if remembered:
                self.query_one(BuildForm).restore(remembered)
        self.query_one(BuildFormView).update_preview()
        self.load_platforms()
        self.query_one(BuildHistoryView).load()
        # Ticks while a build or a replay runs only (`_tick` pauses it, `keep_ticking`
        # resumes it): an idle app wakes for nothing.
        self._ticker = self.set_interval(TICK, self._tick)
        self._ticking = True

    # -- views and keys --------------------------------------------------------

    def action_show_view(self, view: str) -> None:
        if view not in VIEWS:
            return
        if view == "steps" and self.replay is not None and self.replay.side_by_side:
            view = "pair"  # the steps of the two builds replayed
        self.query_one("#build-views", ContentSwitcher).current = f"view-{view}"
        self.query_one(FOCUS[view]).focus()
        if view == "log":
            self._refresh_log()
        self._show_glance()
        self.refresh_bindings()

    def action_show_pictures(self, mode: str) -> None:
        """The stage graph, the timing or the advice of the build in front."""
        self.action_show_view("pictures")
        self.query_one(BuildPicturesView).show_mode(mode, self.live, self.clock())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The footer shows the keys of the view in front: not the one it is already in,
        # nor Copy (the form's command) outside the form. A replay's keys replace those
        # that run and cancel builds while it is shown.
        replaying = self.replay is not None
        offered = self.replay_check(action)
        if offered is not None:
            return offered
        if replaying and action in OFF_WHILE_REPLAYING:
            return False
        if action == "show_pictures":
            return self.is_mounted and self.view in ("steps", "pictures")
        if action == "show_view":
            if replaying and parameters[:1] == ("form",):
                return False
            if replaying and self.replay is not None and self.replay.side_by_side:
                if parameters[:1] == ("log",):
                    return False  # which of the two? Each column shows its steps
                if parameters[:1] == ("steps",):
                    return self.is_mounted and self.view != "pair"
            return not (self.is_mounted and parameters[:1] == (self.view,))
        if action == "copy_command":
            return self.is_mounted and self.view == "form"
        if action in ("open_build", "rerun", "compare", "replay_build", "delete_build"):
            return self.is_mounted and self.view == "history"
        if action == "toggle_build_arg_values":
            return self.is_mounted and self.view in ("history", "steps")
        if action == "cancel":
            return self.live is not None and self.live.running
        return True

    @property
    def entries(self) -> list[BuildEntry]:
        """The builds the history view shows."""
        return self.query_one(BuildHistoryView).entries

    def action_refresh(self) -> None:
        self.load_platforms()
        self.query_one(BuildHistoryView).load()

    def action_toggle_build_arg_values(self) -> None:
        self.build_arg_values = not self.build_arg_values
        self.query_one(BuildStepsView).show_build_arg_values(self.build_arg_values)
        self.query_one(BuildHistoryView).show_build_arg_values(self.build_arg_values)
        self.notify(
            _("--build-arg values shown.")
            if self.build_arg_values
            else _("--build-arg values hidden (NAME=…).")
        )

    # -- the form --------------------------------------------------------------

    @on(BuildForm.Changed)
    def _form_changed(self) -> None:
        if self.forms is not None:  # kept a second after the last change
            if self._remember_timer is not None:
                self._remember_timer.stop()
            self._remember_timer = self.set_timer(1.0, self.remember_form)

    def remember_form(self) -> None:
        if self.forms is not None:
            self.forms.save(FORM_NAME, self.query_one(BuildForm).values())

    def current_command(self) -> list[str] | None:
        """The form's command, or None (and a notification) when it cannot be built."""
        try:
            return self.query_one(BuildFormView).command()
        except OptionsError as error:
            self.notify(str(error), title=_("The build cannot run"), severity="error")
            return None

    @on(Button.Pressed, "#preset")
    def action_apply_preset(self) -> None:
        self.action_show_view("form")
        self.query_one(BuildForm).set_options(lab_preset(self.settings))

    @on(Button.Pressed, "#copy")
    def action_copy_command(self) -> None:
        argv = self.current_command()
        if argv is not None:
            self.app.copy_to_clipboard(shell_command(argv))
            self.notify(_("The build command is on the clipboard."))

    @on(Button.Pressed, "#run")
    def _run_pressed(self) -> None:
        self.action_run()

    @work(thread=True, exclusive=True, group="build-platforms", exit_on_error=False)
    def load_platforms(self) -> None:
        try:
            platforms = list(self.platforms_provider())
        except BuildError as error:
            self.post_message(
                PlatformsLoaded(LAB_PLATFORMS, _("{error} Press F7 to retry.").format(error=error))
            )
            return
        self.post_message(PlatformsLoaded(platforms))

    @on(PlatformsLoaded)
    def _platforms_loaded(self, message: PlatformsLoaded) -> None:
        self.query_one(BuildForm).set_platforms(message.platforms)
        self.query_one(BuildFormView).show_problem(message.problem or "")

    # -- running ---------------------------------------------------------------

    def action_run(self) -> None:
        if self.replay is not None:
            self.notify(_("A replay is shown: end it (e) to run builds."), severity="warning")
            return
        if self.live is not None and self.live.running:
            self.notify(_("A build is running: cancel it (F8) or wait for it."), severity="warning")
            return
        argv = self.current_command()
        if argv is None:
            self.action_show_view("form")
            return
        self.remember_form()
        options = self.query_one(BuildForm).options()
        dockerfile = Path(options.file) if options.file else Path(options.context, "Dockerfile")
        self.start_build(argv, dockerfile, options.platforms)

    def start_build(
        self, argv: Sequence[str], dockerfile: Path | None = None, platforms: Sequence[str] = ()
    ) -> LiveBuild:
        """Run `argv` (exactly) and show it; returns the live build."""
        live = LiveBuild(argv, platform_order=platforms, clock=self.clock)
        self.live = live
        self.keep_ticking()
        self._drawn_version = -1
        steps = self.query_one(BuildStepsView)
        steps.show_command("", argv)
        steps.show_problem("")
        steps.clear_outcome()
        self.query_one(BuildLogPanel).set_lines(live.lines)
        self._refresh_live()
        if self.view != "log":
            self.action_show_view("steps")
        self.build_worker = self._run_build(live, dockerfile)
        self.refresh_bindings()
        return live

    @work(thread=True, exclusive=True, group="build", exit_on_error=False)
    def _run_build(self, live: LiveBuild, dockerfile: Path | None) -> None:
        run_build(
            live, dockerfile, self.service, self.evidence, self.post_message, self.forecasting
        )

    def on_unmount(self) -> None:
        # Quitting the app ends a running build: its process group would outlive the
        # app, and the worker thread reading its output would hold the exit until then.
        cancel_build(self.live)
        if self.replay is not None:
            self.replay.cancel()

    def action_cancel(self) -> None:
        if cancel_build(self.live):
            self.notify(_("Canceling the build ..."))

    @on(BuildStarted)
    @on(BuildProgress)
    def _progress(self, message: BuildStarted | BuildProgress) -> None:
        if self.is_replayed(message.live):
            self.replay_progressed(message.live)
        elif message.live is self.live:
            self._refresh_live()

    @on(BuildFinished)
    def _finished(self, message: BuildFinished) -> None:
        if self.is_replayed(message.live):
            self.replay_finished(message.live)
            return
        if message.live is not self.live:
            return
        self._refresh_live(force=True)
        self.refresh_bindings()
        self.query_one(BuildHistoryView).keep(message.live)
        self.query_one(BuildPicturesView).forget_advice()
        if pushed_to(message.live, self.settings.registry_host):
            self.post_message(LabChanged(registry_changed=True, origin=self))

    @on(BuildNotStarted)
    def _not_started(self, message: BuildNotStarted) -> None:
        if message.live is not self.live:
            return
        self.query_one(BuildStepsView).show_problem(
            _("{problem}\nPress F5 to try again.").format(problem=message.problem)
        )
        self.query_one("#build-status", Static).update(_("The build did not start."))
        self.refresh_bindings()

    @property
    def ticking(self) -> bool:
        """Whether running steps' elapsed times are redrawn every `TICK` seconds."""
        return self._ticker is not None and self._ticking

    def keep_ticking(self) -> None:
        """A build or a replay started: redraw its elapsed times until it ends."""
        if self._ticker is not None:
            self._ticker.resume()
            self._ticking = True

    def _tick(self) -> None:
        running = self.live is not None and self.live.running
        if running and self.view in ("steps", "pictures"):
            self._drawn_version = -1
            self._refresh_live()
        elif self.view == "pair" and any(live.running for live in self.replay_lives):
            self.draw_replay()
        elif (
            not running
            and not any(live.running for live in self.replay_lives)
            and self._ticker is not None
        ):
            self._ticker.pause()
            self._ticking = False

    def retranslate(self) -> None:
        """Draw the build (status line, steps, summary) and a replay again in the app's
        language; the form, the log view and the history redraw their own text."""
        if self.live is None:
            self.query_one("#build-status", Static).update(
                _("No build yet. Fill in the form and press F5.")
            )
        self._refresh_live(force=True)
        if self.replay is not None:
            self.draw_replay()

    def _refresh_live(self, force: bool = False) -> None:
        live = self.live
        if live is None:
            return
        if self.view == "log" or force:
            self._refresh_log()
        now = time.monotonic()
        status: str | None = None
        replayed = self.is_replayed(live)
        speeds = self.replay_speeds if replayed else ()
        with live.lock:
            if force or not live.running or now - self._status_drawn_at >= STATUS_INTERVAL:
                if replayed and self.replay is not None:
                    status = replay_status_line(self.replay, [live])
                else:
                    status = status_line(live, len(live.lines) + live.dropped)
                self._status_drawn_at = now
            if force or (self.view == "steps" and live.model.version != self._drawn_version):
                clock = live.clock() if replayed else self.clock()
                self.query_one(BuildStepsView).draw(live, clock, speeds)
                self._drawn_version = live.model.version
                self._show_glance(speeds)
        if self.view == "pictures" and (force or live.model.version != self._pictures_version):
            self.query_one(BuildPicturesView).draw(live, self.clock())
            self._pictures_version = live.model.version
        if status is not None:
            # One line, fixed height: no layout pass needed (it would cost a whole screen's).
            self.query_one("#build-status", Static).update(status, layout=False)

    def _show_glance(self, speeds: Sequence[float] | None = None) -> None:
        """The lines under the steps view: shown in it, for the build it shows."""
        glance = self.query_one("#build-glance", BuildSteps)
        live = self.live
        shown = live is not None and self.view == "steps"
        glance.display = shown
        if live is not None and shown:
            if speeds is None:
                speeds = self.replay_speeds if self.is_replayed(live) else ()
            glance.show(glance_text(live, speeds=speeds))

    def _refresh_log(self) -> None:
        dropped = self.live.dropped if self.live is not None else 0
        self.query_one(BuildLogPanel).lines_added(dropped)

    # -- history ---------------------------------------------------------------

    @on(BuildHistoryView.MissesFound)
    def _misses_found(self, message: BuildHistoryView.MissesFound) -> None:
        if message.live is self.live:
            self._refresh_live(force=True)

    def action_open_build(self) -> None:
        self.query_one(BuildHistoryView).open_selected()

    @on(BuildHistoryView.Opened)
    def _opened(self, message: BuildHistoryView.Opened) -> None:
        if self.replay is not None:
            self.notify(_("A replay is shown: end it (e) before opening a build."))
            return
        if self.live is not None and self.live.running:
            self.notify(_("A build is running: cancel it (F8) before opening another."))
            return
        self.live = message.live
        entry = message.entry
        steps = self.query_one(BuildStepsView)
        steps.show_command(
            _("Build #{id} of {text}\n").format(id=entry.id, text=started_text(entry)), entry.argv
        )
        steps.show_problem("")
        self.query_one(BuildLogPanel).set_lines(message.live.lines)
        self.action_show_view("steps")
        self._refresh_live(force=True)

    def action_rerun(self) -> None:
        entry = self.query_one(BuildHistoryView).selected()
        if entry is None:
            return
        if self.live is not None and self.live.running:
            self.notify(_("A build is running: cancel it (F8) or wait for it."), severity="warning")
            return
        self.start_build(list(entry.argv), dockerfile_of(buildx_args(entry.argv)))

    def action_compare(self) -> None:
        self.query_one(BuildHistoryView).compare_selected()

    def action_replay_build(self) -> None:
        self.query_one(BuildHistoryView).replay_selected()

    def action_delete_build(self) -> None:
        self.query_one(BuildHistoryView).delete_selected()

    @on(BuildHistoryView.ReplayReady)
    def _replay_ready(self, message: BuildHistoryView.ReplayReady) -> None:
        self.start_replay(message.records, message.stage_orders)

    # -- a bug in a worker -----------------------------------------------------

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """Say which of the pane's workers failed, instead of crashing the app with a
        traceback: the build's own worker ends that build; another one leaves it be."""
        worker = event.worker
        if event.state is not WorkerState.ERROR or worker.node is not self:
            return
        if worker.group == "build":
            live = self.live
            if worker is self.build_worker and live is not None and live.running:
                live.finish(None)
                self._refresh_live(force=True)
                self.refresh_bindings()
            text = _(
                "The build stopped unexpectedly: {error!r}. Press F5 to run it again; please "
                "report this."
            ).format(error=worker.error)
        elif worker.group == "replay":
            for live in self.replay_lives:
                if live.running:
                    live.finish(None)
            self.draw_replay()
            text = _(
                "The replay stopped unexpectedly: {error!r}. Press r to replay again; please "
                "report this."
            ).format(error=worker.error)
        else:
            task = WORKER_TASKS.get(worker.group, worker.name)
            text = _(
                "{task} failed unexpectedly: {error!r}. Press F7 to refresh; please report this."
            ).format(task=_(task), error=worker.error)
        self.notify(text, title=_("Build pane"), severity="error", timeout=10)
