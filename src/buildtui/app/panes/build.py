"""The Build pane: a form, the live step view, the raw log, the history of builds.

The pane owns no process itself: it asks its `BuildService` to start the exact
command the form shows, in a thread worker that parses the output and posts
progress at a bounded rate. The step view and the raw log view redraw from the
shared `LiveBuild` on those messages.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Button, ContentSwitcher, DataTable, Input, Static
from textual.worker import Worker, WorkerState

from buildtui.app.commands import Command, bindings
from buildtui.app.messages import LabChanged
from buildtui.app.screens.build_compare import BuildCompareScreen
from buildtui.app.widgets.build_form import BuildForm
from buildtui.app.widgets.build_log import BuildLogView
from buildtui.app.widgets.build_steps import (
    BuildSteps,
    explanations_text,
    failure_text,
    phases_text,
    steps_text,
    summary_text,
)
from buildtui.build.errors import BuildError, OptionsError
from buildtui.build.evidence import BuildEvidence, collect
from buildtui.build.history import BuildEntry, BuildHistory, Comparison
from buildtui.build.live import LiveBuild
from buildtui.build.misses import with_misses
from buildtui.build.options import (
    LAB_PLATFORMS,
    build_argv,
    dockerfile_of,
    lab_preset,
    read_stage_names,
    shell_command,
    shown_command,
    validate,
)
from buildtui.build.runner import BuildService
from buildtui.buildlog.summary import BuildSummary
from buildtui.forms import FormMemory
from buildtui.settings import Settings, data_dir

UPDATE_INTERVAL = 0.1
"""Seconds between two progress messages from the build worker (at most 10 a second)."""
BUSY_UPDATE_INTERVAL = 0.5
"""The same while the build prints more than BUSY_LINES lines between two updates: each
update redraws the log view, which costs Textual tens of milliseconds on a big terminal,
and a log that fast scrolls by too quickly to read anyway."""
BUSY_LINES = 1000
SLICE = 256
"""Lines parsed between two chances for the UI thread to run."""
STATUS_INTERVAL = 0.5
"""Seconds between two redraws of the status line while lines stream in."""
TICK = 1.0
"""Seconds between redraws of running steps' elapsed time."""

PlatformsProvider = Callable[[], Sequence[str]]
"""Blocking call returning the current builder's platforms (run in a thread worker)."""
EvidenceCollector = Callable[[Sequence[str]], BuildEvidence]
"""Blocking call recording what a build starts from (run in the build's worker)."""


def collect_evidence(argv: Sequence[str]) -> BuildEvidence:
    """The real collector: the Dockerfile, context hashes and build arguments of `argv`."""
    return collect(list(argv), data_dir=data_dir())


VIEWS = ("form", "steps", "log", "history")

PANE_COMMANDS = (
    Command("build.run", "f5", "run", "Run", "Run the build the form describes"),
    Command("build.cancel", "f8", "cancel", "Cancel", "Cancel the running build"),
    Command("build.copy", "f9", "copy_command", "Copy", "Copy the form's docker buildx command"),
    Command(
        "build.preset",
        "ctrl+l",
        "apply_preset",
        "Lab",
        "Fill the form with the lab's build: two platforms, push, registry7 cache mode=max",
    ),
    Command("build.form", "f2", "show_view('form')", "Form", "The build form"),
    Command("build.steps", "f3", "show_view('steps')", "Steps", "Steps by platform and stage"),
    Command("build.log", "f4", "show_view('log')", "Log", "The raw build log"),
    Command("build.history", "f6", "show_view('history')", "History", "Builds run before"),
    Command(
        "build.refresh",
        "f7",
        "refresh",
        "Refresh",
        "Reload the builder's platforms and history",
        show=False,  # in the palette: at 100 columns the footer keeps the view's own keys
    ),
    Command("build.open", "o", "open_build", "Open", "Open the selected build"),
    Command("build.rerun", "r", "rerun", "Re-run", "Run the selected build again"),
    Command("build.compare", "c", "compare", "Compare", "Mark a build, then compare with another"),
    Command(
        "build.values",
        "v",
        "toggle_build_arg_values",
        "Args",
        "Show or hide the --build-arg values in the history and the build's command",
    ),
)


FORM_NAME = "build"
"""The Build form's file in the form memory."""


class BuildPane(Vertical):
    """Run buildx builds, watch their steps and log, keep and compare them."""

    AUTO_FOCUS = "#platforms, #view-steps, #log, #history-table"
    """Where the focus goes when the shell shows this pane: the current view's first
    (never a text field, where the next pane key would be typed)."""

    DEFAULT_CSS = """
    BuildPane { height: 1fr; }
    BuildPane #build-status { height: 1; padding: 0 1; background: $boost; }
    BuildPane #command-bar { height: auto; padding: 0 1; }
    BuildPane #command-preview { width: 1fr; color: $text-muted; padding: 1 0; }
    BuildPane #command-bar Button { margin: 0 0 0 1; }
    BuildPane #form-problem { color: $text-warning; padding: 0 1; height: auto; }
    BuildPane #view-steps { padding: 0 1; }
    BuildPane #view-steps > Static { margin: 1 0 0 0; }
    BuildPane #build-problem { color: $text-error; }
    BuildPane #view-log BuildLogView { height: 1fr; }
    BuildPane #log-footer { height: 1; color: $text-muted; padding: 0 1; }
    BuildPane #log-search { display: none; }
    BuildPane #log-search.-shown { display: block; }
    BuildPane #history-table { height: 1fr; }
    BuildPane #history-hint { height: auto; color: $text-muted; padding: 0 1; }
    """

    COMMANDS = PANE_COMMANDS
    """Offered by the app's command palette while this pane is in front."""
    BINDINGS = bindings(PANE_COMMANDS)

    class PlatformsLoaded(Message):
        def __init__(self, platforms: Sequence[str], problem: str | None = None) -> None:
            super().__init__()
            self.platforms = list(platforms)
            self.problem = problem

    @dataclass
    class BuildStarted(Message):
        live: LiveBuild

    @dataclass
    class BuildProgress(Message):
        """New lines were parsed; bursts merge into one message."""

        live: LiveBuild

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, BuildPane.BuildProgress) and message.live is self.live

    @dataclass
    class BuildFinished(Message):
        live: LiveBuild

    @dataclass
    class MissesFound(Message):
        """The finished build's first cache misses were explained from the history."""

        live: LiveBuild

    @dataclass
    class BuildNotStarted(Message):
        live: LiveBuild
        problem: str

    @dataclass
    class HistoryLoaded(Message):
        entries: list[BuildEntry]

    @dataclass
    class BuildOpened(Message):
        live: LiveBuild
        entry: BuildEntry

    @dataclass
    class Compared(Message):
        comparison: Comparison

    @dataclass
    class Problem(Message):
        """A service said something went wrong; the message says what to do."""

        text: str

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
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.evidence = evidence
        self.forms = forms
        """Where the form's last values are kept across restarts (None: not kept)."""
        self._remember_timer: Timer | None = None
        self.service = service
        self.history = history
        self.settings = settings
        self.platforms_provider = platforms
        self.live: LiveBuild | None = None
        self.entries: list[BuildEntry] = []
        self.compare_mark: int | None = None
        self.build_arg_values = False
        """Show `--build-arg` values (else `NAME=…`) in the history and the command."""
        self._header: tuple[str, Sequence[str]] = ("", ())
        self._drawn_version = -1
        self._status_drawn_at = 0.0
        self._log_footer = ""

    # -- layout --------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static("No build yet. Fill in the form and press F5.", id="build-status")
        with ContentSwitcher(initial="view-form", id="build-views"):
            with Vertical(id="view-form"):
                yield Static("", id="form-problem")
                yield BuildForm(id="build-form")
                with Horizontal(id="command-bar"):
                    yield Static("", id="command-preview")
                    yield Button("Lab preset", id="preset", tooltip="registry7 cache, mode max")
                    yield Button("Copy (F9)", id="copy", tooltip="Copy the command")
                    yield Button("Run (F5)", id="run", variant="primary")
            with VerticalScroll(id="view-steps"):
                yield Static("", id="build-command")
                yield Static("", id="build-problem")
                yield BuildSteps("", id="steps")
                yield BuildSteps("", id="phases")
                yield BuildSteps("", id="failure")
                yield BuildSteps("", id="summary")
                yield BuildSteps("", id="explanations")
            with Vertical(id="view-log"):
                yield BuildLogView(id="log")
                yield Input(placeholder="search the log (Enter: next, Esc: close)", id="log-search")
                yield Static("", id="log-footer")
            with Vertical(id="view-history"):
                yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
                yield Static(
                    "o: open · r: run again · c: mark, then c on another build to compare · "
                    "v: show or hide --build-arg values",
                    id="history-hint",
                )

    def on_mount(self) -> None:
        table = self.query_one("#history-table", DataTable)
        table.add_columns(*HISTORY_COLUMNS)
        if self.forms is not None:
            remembered = self.forms.load(FORM_NAME)
            if remembered:
                self.query_one(BuildForm).restore(remembered)
        self._update_preview()
        self.load_platforms()
        self.load_history()
        self.set_interval(TICK, self._tick)

    # -- views and keys --------------------------------------------------------

    @property
    def view(self) -> str:
        current = self.query_one("#build-views", ContentSwitcher).current or "view-form"
        return current.removeprefix("view-")

    def action_show_view(self, view: str) -> None:
        if view not in VIEWS:
            return
        self.query_one("#build-views", ContentSwitcher).current = f"view-{view}"
        # Keep the focus inside the pane, so that its keys keep working.
        focus = {"log": "#log", "history": "#history-table", "form": "#platforms"}
        self.query_one(focus.get(view, "#view-steps")).focus()
        if view == "log":
            self._refresh_log()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The footer shows the keys of the view in front: not the one it is already in,
        # nor Copy (the form's command) outside the form.
        if action == "show_view":
            return not (self.is_mounted and parameters[:1] == (self.view,))
        if action == "copy_command":
            return self.is_mounted and self.view == "form"
        if action in ("open_build", "rerun", "compare"):
            return self.is_mounted and self.view == "history"
        if action == "toggle_build_arg_values":
            return self.is_mounted and self.view in ("history", "steps")
        if action == "cancel":
            return self.live is not None and self.live.running
        return True

    def action_refresh(self) -> None:
        self.load_platforms()
        self.load_history()

    def action_toggle_build_arg_values(self) -> None:
        self.build_arg_values = not self.build_arg_values
        self._show_header()
        self._fill_history()
        shown = "shown" if self.build_arg_values else "hidden (NAME=…)"
        self.notify(f"--build-arg values {shown}.")

    def _show_command(self, prefix: str, argv: Sequence[str]) -> None:
        self._header = (prefix, tuple(argv))
        self._show_header()

    def _show_header(self) -> None:
        prefix, argv = self._header
        if argv:
            line = shown_command(argv, build_arg_values=self.build_arg_values)
            self.query_one("#build-command", Static).update(Text(f"{prefix}$ {line}"))

    # -- the form --------------------------------------------------------------

    @on(BuildForm.Changed)
    def _form_changed(self) -> None:
        self._update_preview()
        if self.forms is not None:  # kept a second after the last change
            if self._remember_timer is not None:
                self._remember_timer.stop()
            self._remember_timer = self.set_timer(1.0, self.remember_form)

    def remember_form(self) -> None:
        if self.forms is not None:
            self.forms.save(FORM_NAME, self.query_one(BuildForm).values())

    def _update_preview(self) -> None:
        preview = self.query_one("#command-preview", Static)
        try:
            options = self.query_one(BuildForm).options()
            validate(options)
        except OptionsError as error:
            preview.update(Text(f"⚠ {error}"))
            return
        preview.update(Text(shell_command(build_argv(options, self.settings))))

    def current_command(self) -> list[str] | None:
        """The form's command, or None (and a notification) when it cannot be built."""
        try:
            options = self.query_one(BuildForm).options()
            validate(options)
        except OptionsError as error:
            self.notify(str(error), title="The build cannot run", severity="error")
            return None
        return build_argv(options, self.settings)

    @on(Button.Pressed, "#preset")
    def action_apply_preset(self) -> None:
        self.action_show_view("form")
        self.query_one(BuildForm).set_options(lab_preset(self.settings))

    @on(Button.Pressed, "#copy")
    def action_copy_command(self) -> None:
        argv = self.current_command()
        if argv is not None:
            self.app.copy_to_clipboard(shell_command(argv))
            self.notify("The build command is on the clipboard.")

    @on(Button.Pressed, "#run")
    def _run_pressed(self) -> None:
        self.action_run()

    @work(thread=True, exclusive=True, group="build-platforms", exit_on_error=False)
    def load_platforms(self) -> None:
        try:
            platforms = list(self.platforms_provider())
        except BuildError as error:
            self.post_message(self.PlatformsLoaded(LAB_PLATFORMS, f"{error} Press F7 to retry."))
            return
        self.post_message(self.PlatformsLoaded(platforms))

    @on(PlatformsLoaded)
    def _platforms_loaded(self, message: PlatformsLoaded) -> None:
        self.query_one(BuildForm).set_platforms(message.platforms)
        self.query_one("#form-problem", Static).update(message.problem or "")

    # -- running ---------------------------------------------------------------

    def action_run(self) -> None:
        if self.live is not None and self.live.running:
            self.notify("A build is running: cancel it (F8) or wait for it.", severity="warning")
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
        self._drawn_version = -1
        self._show_command("", argv)
        self.query_one("#build-problem", Static).update("")
        for widget_id in ("failure", "summary", "explanations"):
            self.query_one(f"#{widget_id}", BuildSteps).update("")
        self.query_one(BuildLogView).set_lines(live.lines)
        self._refresh_live()
        if self.view != "log":
            self.action_show_view("steps")
        self._run_build(live, dockerfile)
        self.refresh_bindings()
        return live

    @work(thread=True, exclusive=True, group="build", exit_on_error=False)
    def _run_build(self, live: LiveBuild, dockerfile: Path | None) -> None:
        if dockerfile is not None:
            live.model.stage_order = read_stage_names(dockerfile)
        if self.evidence is not None:
            live.evidence = self.evidence(live.argv)
        try:
            process = self.service.start(live.argv)
        except BuildError as error:
            live.finish(None)
            self.post_message(self.BuildNotStarted(live, str(error)))
            return
        live.process = process
        self.post_message(self.BuildStarted(live))
        last = time.monotonic()
        pending = 0
        for batch in process.batches():
            for start in range(0, len(batch), SLICE):
                live.add(batch[start : start + SLICE])
                # Hand the GIL to the UI thread if it waits: keys stay answered at once
                # even while a chatty build keeps this thread busy.
                time.sleep(0)
            pending += len(batch)
            now = time.monotonic()  # the update rate is real time, whatever the clock
            interval = BUSY_UPDATE_INTERVAL if pending > BUSY_LINES else UPDATE_INTERVAL
            if now - last >= interval:
                self.post_message(self.BuildProgress(live))
                last, pending = now, 0
        live.finish(process.wait())
        self.post_message(self.BuildFinished(live))

    def on_unmount(self) -> None:
        # Quitting the app ends a running build: its process group would outlive the
        # app, and the worker thread reading its output would hold the exit until then.
        live = self.live
        if live is not None and live.running and live.process is not None:
            live.process.cancel()

    def action_cancel(self) -> None:
        live = self.live
        if live is None or not live.running or live.process is None:
            return
        live.process.cancel()
        self.notify("Canceling the build ...")

    @on(BuildStarted)
    @on(BuildProgress)
    def _progress(self, message: BuildStarted | BuildProgress) -> None:
        if message.live is self.live:
            self._refresh_live()

    @on(BuildFinished)
    def _finished(self, message: BuildFinished) -> None:
        if message.live is not self.live:
            return
        self._refresh_live(force=True)
        self.refresh_bindings()
        self._save(message.live)
        if pushed_to(message.live, self.settings.registry_host):
            self.post_message(LabChanged(registry_changed=True, origin=self))

    @on(BuildNotStarted)
    def _not_started(self, message: BuildNotStarted) -> None:
        if message.live is not self.live:
            return
        problem = f"{message.problem}\nPress F5 to try again."
        self.query_one("#build-problem", Static).update(problem)
        self.query_one("#build-status", Static).update("The build did not start.")
        self.refresh_bindings()

    def _tick(self) -> None:
        if self.live is not None and self.live.running and self.view == "steps":
            self._drawn_version = -1
            self._refresh_live()

    def _refresh_live(self, force: bool = False) -> None:
        live = self.live
        if live is None:
            return
        if self.view == "log" or force:
            self._refresh_log()
        now = time.monotonic()
        status = None
        with live.lock:
            if force or not live.running or now - self._status_drawn_at >= STATUS_INTERVAL:
                status = self._status_line(live, len(live.lines) + live.dropped)
                self._status_drawn_at = now
            if force or (self.view == "steps" and live.model.version != self._drawn_version):
                self._draw_steps(live)
        if status is not None:
            # One line, fixed height: no layout pass needed (it would cost a whole screen's).
            self.query_one("#build-status", Static).update(status, layout=False)

    def _refresh_log(self) -> None:
        log = self.query_one(BuildLogView)
        log.lines_added()
        footer = (
            "following the log"
            if log.tail
            else f"{log.pending} new line(s) below · End: follow the log"
        )
        if self.live is not None and self.live.dropped:
            footer += f" · first {self.live.dropped} lines dropped to save memory"
        if footer != self._log_footer:
            self._log_footer = footer
            self.query_one("#log-footer", Static).update(footer, layout=False)

    def _status_line(self, live: LiveBuild, lines: int) -> str:
        wall = live.wall_seconds()
        if live.running:
            running = len(live.model.running)
            return (
                f"Building · {wall:.0f}s · {running} step(s) running · {lines} lines · F8 cancels"
            )
        summary = live.summary
        if summary is None:
            return "The build did not start."
        state = "canceled" if live.canceled else ("succeeded" if summary.succeeded else "failed")
        return (
            f"Build {state} · {summary.cached}/{summary.total} steps cached · "
            f"{wall:.1f}s · {lines} lines · F4: log"
        )

    def _draw_steps(self, live: LiveBuild) -> None:
        """Redraw the step view from the model (caller holds `live.lock`)."""
        model = live.model
        now = self.clock()
        widget = self.query_one("#steps", BuildSteps)
        styles = widget.styles_map()
        succeeded = live.summary is not None and live.summary.succeeded
        misses = live.summary.first_misses if live.summary is not None else ()
        widget.update(steps_text(model, now, styles, succeeded=succeeded, misses=misses))
        self.query_one("#phases", BuildSteps).update(phases_text(model, now, styles))
        if not live.running:
            self.query_one("#failure", BuildSteps).update(failure_text(model, styles))
            if live.summary is not None:
                self.query_one("#summary", BuildSteps).update(summary_text(live.summary, styles))
            self.query_one("#explanations", BuildSteps).update(
                explanations_text(live.explanations, styles)
            )
        self._drawn_version = model.version

    # -- log search ------------------------------------------------------------

    @on(BuildLogView.SearchRequested)
    def _show_search(self) -> None:
        search = self.query_one("#log-search", Input)
        search.add_class("-shown")
        search.focus()

    @on(Input.Submitted, "#log-search")
    def _search(self, event: Input.Submitted) -> None:
        log = self.query_one(BuildLogView)
        if event.value and not log.search(event.value):
            self.notify(f"{event.value!r} is not in the log.", severity="warning")

    def key_escape(self) -> None:
        search = self.query_one("#log-search", Input)
        if search.has_class("-shown"):
            search.remove_class("-shown")
            self.query_one(BuildLogView).focus()

    # -- history ---------------------------------------------------------------

    @work(thread=True, exclusive=True, group="build-history", exit_on_error=False)
    def _save(self, live: LiveBuild) -> None:
        if live.summary is None:
            return
        try:
            summary = live.summary
            if live.evidence is not None:
                summary = with_misses(summary, live.evidence, self.history.earlier(live.evidence))
                with live.lock:
                    live.summary = summary
                self.post_message(self.MissesFound(live))
            self.history.add(
                started=live.started,
                argv=live.argv,
                command=shell_command(live.argv),
                summary=summary,
                log_lines=live.lines,  # finished: the list no longer changes
                canceled=live.canceled,
                evidence=live.evidence,
                timing=live.timing,
            )
            entries = self.history.list()
        except BuildError as error:
            self.post_message(self.Problem(str(error)))
            return
        self.post_message(self.HistoryLoaded(entries))

    @on(MissesFound)
    def _misses_found(self, message: MissesFound) -> None:
        if message.live is self.live:
            self._refresh_live(force=True)

    @work(thread=True, exclusive=True, group="build-history", exit_on_error=False)
    def load_history(self) -> None:
        try:
            self.post_message(self.HistoryLoaded(self.history.list()))
        except BuildError as error:
            self.post_message(self.Problem(str(error)))

    @on(HistoryLoaded)
    def _history_loaded(self, message: HistoryLoaded) -> None:
        self.entries = message.entries
        self._fill_history()

    def _fill_history(self) -> None:
        table = self.query_one("#history-table", DataTable)
        row = table.cursor_row
        table.clear()
        for entry in self.entries:
            table.add_row(*history_row(entry, self.build_arg_values), key=str(entry.id))
        if self.entries and row > 0:
            table.move_cursor(row=min(row, len(self.entries) - 1))

    def selected_entry(self) -> BuildEntry | None:
        table = self.query_one("#history-table", DataTable)
        if not self.entries or table.cursor_row < 0 or table.cursor_row >= len(self.entries):
            return None
        return self.entries[table.cursor_row]

    @on(DataTable.RowSelected, "#history-table")
    def action_open_build(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            self._open(entry)

    @work(thread=True, exclusive=True, group="build-open", exit_on_error=False)
    def _open(self, entry: BuildEntry) -> None:
        try:
            record = self.history.get(entry.id)
        except BuildError as error:
            self.post_message(self.Problem(str(error)))
            return
        stages = read_stage_names(dockerfile_of(_buildx_args(record.entry.argv)))
        live = LiveBuild.replayed(
            record.entry.argv, record.log, record.entry.summary, stage_order=stages
        )
        self.post_message(self.BuildOpened(live, record.entry))

    @on(BuildOpened)
    def _opened(self, message: BuildOpened) -> None:
        if self.live is not None and self.live.running:
            self.notify("A build is running: cancel it (F8) before opening another.")
            return
        self.live = message.live
        when = datetime.fromtimestamp(message.entry.started).strftime("%Y-%m-%d %H:%M:%S")
        self._show_command(f"Build #{message.entry.id} of {when}\n", message.entry.argv)
        self.query_one("#build-problem", Static).update("")
        self.query_one(BuildLogView).set_lines(message.live.lines)
        self.action_show_view("steps")
        self._refresh_live(force=True)

    def action_rerun(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            return
        if self.live is not None and self.live.running:
            self.notify("A build is running: cancel it (F8) or wait for it.", severity="warning")
            return
        self.start_build(list(entry.argv), dockerfile_of(_buildx_args(entry.argv)))

    def action_compare(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            return
        if self.compare_mark is None or self.compare_mark == entry.id:
            self.compare_mark = entry.id
            self.notify(f"Build #{entry.id} marked: select another build and press c.")
            return
        old, new = sorted((self.compare_mark, entry.id))
        self.compare_mark = None
        self._compare(old, new)

    @work(thread=True, exclusive=True, group="build-compare", exit_on_error=False)
    def _compare(self, old: int, new: int) -> None:
        try:
            self.post_message(self.Compared(self.history.compare(old, new)))
        except BuildError as error:
            self.post_message(self.Problem(str(error)))

    @on(Compared)
    def _compared(self, message: Compared) -> None:
        self.app.push_screen(BuildCompareScreen(message.comparison))

    @on(Problem)
    def _problem(self, message: Problem) -> None:
        self.notify(message.text, title="Build history", severity="error", timeout=8)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """A bug in a worker: say so instead of crashing the app with a traceback."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        self.notify(
            f"{event.worker.group} stopped unexpectedly: {error}. Press F7 to refresh.",
            title="Build pane",
            severity="error",
            timeout=10,
        )
        if event.worker.group == "build" and self.live is not None and self.live.running:
            self.live.finish(None)
            self._refresh_live(force=True)
            self.refresh_bindings()


def _buildx_args(argv: Sequence[str]) -> list[str]:
    """The arguments after `docker ... buildx build` in a kept command."""
    args = list(argv)
    for i in range(len(args) - 1):
        if args[i] == "buildx" and args[i + 1] == "build":
            return [a for a in args[i + 2 :] if a != "--progress=plain"]
    return args


HISTORY_COLUMNS = (
    "#", "when", "result", "cached", "wall", "tags", "platforms", "cache",
    "cache broken first at",
)  # fmt: skip


def history_row(entry: BuildEntry, build_arg_values: bool = False) -> tuple[str, ...]:
    """One history table row (pure): what tells builds apart (tags, cache refs, platforms),
    not the command, which reads the same on every row (`o` opens it; `--build-arg`
    values show as `NAME=…` there unless asked)."""
    summary = entry.summary
    if entry.canceled:
        result = "canceled"
    elif summary.exit_code == 0:
        result = "ok"
    else:
        result = f"failed ({summary.exit_code})"
    wall = f"{summary.wall_seconds:.1f}s" if summary.wall_seconds is not None else "-"
    when = datetime.fromtimestamp(entry.started).strftime("%m-%d %H:%M:%S")
    tags, cache, platforms = build_traits(entry.argv)
    return (str(entry.id), when, result, f"{summary.cached}/{summary.total}", wall, tags,
            platforms, cache, first_miss_cell(summary))  # fmt: skip


def _short_ref(ref: str) -> str:
    """`localhost:5000/lab:cachetest` -> `lab:cachetest` (the registry host left out)."""
    first, _, rest = ref.partition("/")
    return rest if rest and ("." in first or ":" in first or first == "localhost") else ref


def _cache_ref(spec: str) -> str:
    fields = dict(part.partition("=")[::2] for part in spec.split(","))
    where = fields.get("ref") or fields.get("dest") or fields.get("src") or fields.get("type", "")
    mode = f" {fields['mode']}" if "mode" in fields else ""
    return _short_ref(where) + mode


def build_traits(argv: Sequence[str]) -> tuple[str, str, str]:
    """(tags, cache, platforms) of a kept command, short: `lab:cachetest`,
    `to cachedata1 max, from cachedata1`, `amd64+arm64`."""
    args = _buildx_args(argv)
    tags: list[str] = []
    cache_to: list[str] = []
    cache_from: list[str] = []
    platforms: list[str] = []
    takes = {"-t": tags, "--tag": tags, "--cache-to": cache_to, "--cache-from": cache_from,
             "--platform": platforms}  # fmt: skip
    for index, arg in enumerate(args):
        name, equals, value = arg.partition("=")
        if equals and name in takes:
            takes[name].append(value)
        elif arg in takes and index + 1 < len(args):
            takes[arg].append(args[index + 1])
    cache = [f"to {_cache_ref(spec)}" for spec in cache_to]
    cache += [f"from {_cache_ref(spec)}" for spec in cache_from]
    arches = [p.strip().removeprefix("linux/") for ps in platforms for p in ps.split(",")]
    return (
        " ".join(_short_ref(tag) for tag in tags) or "-",
        ", ".join(cache) or "-",
        "+".join(a for a in arches if a) or "default",
    )


def pushed_to(live: LiveBuild, registry_host: str) -> bool:
    """The build pushed an image, or exported a cache image, to the lab registry
    (`registry_host`, or the same port on localhost or 127.0.0.1)."""
    summary = live.summary
    if summary is None:
        return False
    port = registry_host.rpartition(":")[2]
    hosts = {registry_host, f"localhost:{port}", f"127.0.0.1:{port}"}
    refs = [ref for ref, _ in summary.pushed]
    if summary.cache_export == "ok":
        refs += [arg for arg in live.argv if "type=registry" in arg]
    return any(f"{host}/" in ref for ref in refs for host in hosts)


def first_miss_cell(summary: BuildSummary) -> str:
    """The history's "cache broken first at" cell: the first miss and its reason (pure)."""
    if not summary.first_misses:
        return "-"
    first = summary.first_misses[0]
    more = f" (+{len(summary.first_misses) - 1})" if len(summary.first_misses) > 1 else ""
    return f"{first.index} {first.instruction[:24]}: {first.reason}{more}"
