"""The Build pane's history view: the builds run before, one row each, kept, opened
and compared through the build history (a local SQLite file, read in thread workers).

The pane's keys act on it (o opens, c compares, p replays, x deletes, v shows
--build-arg values); what the pane itself must do is posted up: a build opened from the
history (`Opened`), a finished build's first cache misses explained (`MissesFound`),
builds to replay (`ReplayReady`). Its cells are text, never markup: a build imported
from another machine (`buildtui history import`) holds whatever that file held.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable
from textual.worker import Worker, WorkerState

from buildtui.app.builds.compare import BuildCompareScreen
from buildtui.app.shared.confirm import ConfirmScreen, loss_text
from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.app.shared.screen_table import ScreenTable
from buildtui.builds.dockerfile import stage_names
from buildtui.builds.errors import BuildError
from buildtui.builds.history import BuildEntry, BuildHistory, BuildRecord, Comparison
from buildtui.builds.live import LiveBuild
from buildtui.builds.options import dockerfile_of, read_stage_names
from buildtui.builds.presentation import HISTORY_COLUMNS, buildx_args, history_row, started_text
from buildtui.i18n import N_, _

HINT = N_(
    "o: open · r: run again · c: mark, then c on another build to compare · "
    "p: replay · x: delete · v: show or hide --build-arg values"
)
WORKER_TASKS = {
    "_keep": N_("Keeping the build in the history"),
    "load": N_("Reading the build history"),
    "_open": N_("Opening a build from the history"),
    "_compare": N_("Comparing two builds"),
    "replay": N_("Reading builds to replay"),
    "_delete": N_("Deleting a build from the history"),
}
"""What each worker (by name) does, for the message that says one failed."""


class BuildHistoryView(Vertical):
    """A table of kept builds; keeps finished ones, opens and compares them."""

    DEFAULT_CSS = """
    BuildHistoryView > #history-table { height: 1fr; }
    BuildHistoryView > #history-hint { height: auto; color: $text-muted; padding: 0 1; }
    """

    @dataclass
    class Loaded(Message):
        entries: list[BuildEntry]

    @dataclass
    class Opened(Message):
        """A kept build, rebuilt from its log, to show."""

        live: LiveBuild
        entry: BuildEntry

    @dataclass
    class MissesFound(Message):
        """A finished build's first cache misses were explained from the history."""

        live: LiveBuild

    @dataclass
    class Compared(Message):
        comparison: Comparison

    @dataclass
    class ReplayReady(Message):
        """Kept builds (one, or two side by side) read for a replay, with the stage
        order of each one's Dockerfile as recorded."""

        records: list[BuildRecord]
        stage_orders: list[list[str]]

    @dataclass
    class Problem(Message):
        """The history said something went wrong; the message says what to do."""

        text: str

    def __init__(self, history: BuildHistory, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.history = history
        self.entries: list[BuildEntry] = []
        self.compare_mark: int | None = None
        self.build_arg_values = False
        """Show `--build-arg` values (else `NAME=…`) in the rows."""

    def compose(self) -> ComposeResult:
        yield ScreenTable(id="history-table", cursor_type="row", zebra_stripes=True)
        yield ScreenStatic(_(HINT), id="history-hint")

    def on_mount(self) -> None:
        self._columns()

    def _columns(self) -> None:
        table = self.query_one(DataTable)
        for column in HISTORY_COLUMNS:
            table.add_column(_(column), key=column)

    def retranslate(self) -> None:
        """The headings, rows and hint in the app's language."""
        self.query_one("#history-hint", ScreenStatic).update(_(HINT))
        self.query_one(DataTable).clear(columns=True)
        self._columns()
        self._fill()

    # -- the table -------------------------------------------------------------

    def show_build_arg_values(self, shown: bool) -> None:
        self.build_arg_values = shown
        self._fill()

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.entries = message.entries
        self._fill()

    def _fill(self) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for entry in self.entries:
            table.add_row(*history_row(entry, self.build_arg_values), key=str(entry.id))
        if self.entries and row > 0:
            table.move_cursor(row=min(row, len(self.entries) - 1))

    def selected(self) -> BuildEntry | None:
        """The build under the cursor."""
        row = self.query_one(DataTable).cursor_row
        return self.entries[row] if 0 <= row < len(self.entries) else None

    # -- the history ---------------------------------------------------------------

    def keep(self, live: LiveBuild) -> None:
        """Explain a finished build's first misses from the history, then keep it there."""
        if live.summary is not None:
            self._keep(live)

    @work(thread=True, exclusive=True, group="build-history", exit_on_error=False)
    def _keep(self, live: LiveBuild) -> None:
        try:
            if live.explain_misses(self.history):
                self.post_message(self.MissesFound(live))
            build_id = live.keep(self.history)
            if live.report_caches(self.history, build_id) is not None or live.forecast:
                self.post_message(self.MissesFound(live))  # redrawn with them
            entries = self.history.list()
        except BuildError as error:
            self.post_message(self.Problem(str(error)))
            return
        self.post_message(self.Loaded(entries))

    @work(thread=True, exclusive=True, group="build-history", exit_on_error=False)
    def load(self) -> None:
        try:
            self.post_message(self.Loaded(self.history.list()))
        except BuildError as error:
            self.post_message(self.Problem(str(error)))

    @on(DataTable.RowSelected, "#history-table")
    def open_selected(self) -> None:
        entry = self.selected()
        if entry is not None:
            self._open(entry)

    @work(thread=True, exclusive=True, group="build-open", exit_on_error=False)
    def _open(self, entry: BuildEntry) -> None:
        try:
            record = self.history.get(entry.id)
        except BuildError as error:
            self.post_message(self.Problem(str(error)))
            return
        stages = read_stage_names(dockerfile_of(buildx_args(record.entry.argv)))
        live = LiveBuild.replayed(
            record.entry.argv, record.log, record.entry.summary, stage_order=stages
        )
        live.evidence = self.history.evidence(entry.id)
        live.forecast = record.entry.forecast
        live.report_caches(self.history, entry.id)
        self.post_message(self.Opened(live, record.entry))

    def compare_selected(self) -> None:
        """Mark the selected build, or compare it with the one marked before."""
        entry = self.selected()
        if entry is None:
            return
        if self.compare_mark is None or self.compare_mark == entry.id:
            self.compare_mark = entry.id
            self.notify(
                _("Build #{id} marked: select another build and press c.").format(id=entry.id)
            )
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
        comparison = message.comparison

        def closed(replay: bool | None) -> None:
            if replay:
                self.replay(comparison.old.id, comparison.new.id)

        self.app.push_screen(BuildCompareScreen(comparison), closed)

    def replay_selected(self) -> None:
        entry = self.selected()
        if entry is not None:
            self.replay(entry.id)

    @work(thread=True, exclusive=True, group="build-replay", exit_on_error=False)
    def replay(self, *build_ids: int) -> None:
        """Read builds `build_ids` (one, or two for side by side) for a replay."""
        try:
            records = [self.history.get(build_id) for build_id in build_ids]
            evidence = [self.history.evidence(build_id) for build_id in build_ids]
        except BuildError as error:
            self.post_message(self.Problem(str(error)))
            return
        orders = [
            stage_names(e.dockerfile_text) if e and e.dockerfile_text else [] for e in evidence
        ]
        self.post_message(self.ReplayReady(records, orders))

    def delete_selected(self) -> None:
        """Ask, then delete the selected build from the history."""
        entry = self.selected()
        if entry is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._delete(entry.id)

        self.app.push_screen(
            ConfirmScreen(
                _("Delete build #{id} from the history?").format(id=entry.id),
                loss_text(
                    [
                        (
                            _(
                                "build #{id} of {text}, as imported: its command, log, "
                                "summary and evidence"
                            )
                            if entry.imported
                            else _(
                                "build #{id} of {text}, as kept: its command, log, "
                                "summary and evidence"
                            )
                        ).format(id=entry.id, text=started_text(entry))
                    ],
                    [_("the image, the cache and everything else the build made")],
                ),
                command=f"buildtui history rm {entry.id} --yes",
                confirm_label=_("Delete"),
            ),
            confirmed,
        )

    @work(thread=True, exclusive=True, group="build-history", exit_on_error=False)
    def _delete(self, build_id: int) -> None:
        try:
            self.history.delete(build_id)
            entries = self.history.list()
        except BuildError as error:
            self.post_message(self.Problem(str(error)))
            return
        self.post_message(self.Loaded(entries))

    @on(Problem)
    def _problem(self, message: Problem) -> None:
        self.notify(message.text, title=_("Build history"), severity="error", timeout=8)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """A bug in one of this view's workers: say which, instead of a traceback."""
        worker = event.worker
        if event.state is not WorkerState.ERROR or worker.node is not self:
            return
        task = WORKER_TASKS.get(worker.name, worker.name)
        self.notify(
            _(
                "{task} failed unexpectedly: {error!r}. Press F7 to refresh; please report this."
            ).format(task=_(task), error=worker.error),
            title=_("Build pane"),
            severity="error",
            timeout=10,
        )
