"""The Lab pane: Laboratory 7 as a live checklist, each item ticked from what the app sees.

The guide is computed in a thread worker (it asks the engine, the registry and the
history) when the pane opens or is shown again, on a timer, and when another pane
reports a change (the app forwards `LabChanged`). Enter takes the user to the pane that does the
highlighted item, filled in for it; `w` writes the report: into the current folder,
unless that is a build context of the lab's builds (a file there would change the
context and break the cache the lab is about), then into the data dir's `reports`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Self

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from buildtui.app.background import ReadsInBackground
from buildtui.app.commands import Command, bindings
from buildtui.app.messages import LabProgress, ShowLabStep, hosted_in_tabs
from buildtui.app.panes import Pane
from buildtui.app.polling import BackoffPoll
from buildtui.app.running import switch_language
from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.app.shared.screen_table import ScreenTable
from buildtui.app.shared.themed_static import ThemedStatic
from buildtui.app.theme_styles import on_theme_change, themed_text
from buildtui.i18n import N_, _, language, translator
from buildtui.lab.checklist import ITEM_KEYS, short_title
from buildtui.lab.guide import Guide, Item, Observations
from buildtui.lab.presentation import item_details, item_row, timeline_text
from buildtui.lab.service import LabService

if TYPE_CHECKING:
    from buildtui.app.services import Services

REFRESH_INTERVAL = 30.0
"""Seconds between two looks while the pane is shown and its items change."""
LONGEST_INTERVAL = 60.0
"""Seconds between two looks at most while its items stay the same."""

PANE_COMMANDS = (
    Command("lab.go", "enter", "go", N_("Go"), N_("Go to the pane that does the highlighted step")),
    Command(
        "lab.report",
        "w",
        "report",
        N_("Report"),
        N_("Write lab7-report.md and .html (here, unless this is a build context)"),
    ),
    Command(
        "lab.language",
        "l",
        "language",
        N_("EN/PL"),
        N_("Switch the whole app between English and Polish"),
    ),
    Command(
        "lab.refresh", "r", "refresh", N_("Refresh"), N_("Look at the engine and registry again")
    ),
    Command(
        "lab.submit", "s", "submit", N_("Submit"), N_("Hand the lab in to the class's registry")
    ),
)


class LabPane(ReadsInBackground, Pane):
    DEFAULT_CSS = """
    LabPane {
        height: 1fr;
        layout: vertical;
    }
    LabPane #lab-title {
        height: 1;
        padding: 0 1;
        text-style: bold;
    }
    LabPane #lab-table {
        height: auto;
        max-height: 12;
    }
    LabPane #lab-details-box {
        height: 1fr;
        border-top: solid $primary;
    }
    LabPane #lab-details {
        padding: 0 1;
    }
    """
    COMMANDS = PANE_COMMANDS
    BINDINGS = bindings(PANE_COMMANDS)
    AUTO_FOCUS = "#lab-table"

    @dataclass
    class Observed(Message):
        observations: Observations

    @classmethod
    def from_services(cls, services: Services) -> Self | None:
        if services.lab is None:
            return None
        return cls(services.lab)

    def __init__(
        self,
        service: LabService,
        *,
        refresh_interval: float | None = REFRESH_INTERVAL,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, classes="lab-guide")
        self.service = service
        self.refresh_interval = refresh_interval
        self.observations: Observations | None = None
        self._failure: str | None = None
        """The last failure of a look at the lab that was said (said once, not every look)."""
        self.guide: Guide | None = None
        self._poll: BackoffPoll | None = None

    def compose(self) -> ComposeResult:
        yield ScreenStatic(_("Laboratory 7"), id="lab-title")
        table: DataTable[str | Text] = ScreenTable(id="lab-table", cursor_type="row")
        yield table
        with VerticalScroll(id="lab-details-box"):
            yield ThemedStatic(
                _("Looking at the engine, the history and the registry…"), id="lab-details"
            )

    def on_mount(self) -> None:
        self._columns()
        self._show_items_looking()
        self.refresh_guide()
        # Looks again `refresh_interval` seconds after a change while it is shown only,
        # less often while the items stay the same (`app/polling.py`): hidden, it follows
        # the changes the app makes and the engine's events (LabChanged).
        self._poll = (
            BackoffPoll(
                self,
                self.refresh_guide,
                first=self.refresh_interval,
                longest=LONGEST_INTERVAL,
                paused=True,
            )
            if self.refresh_interval
            else None
        )
        self.call_after_refresh(self._initial_focus)
        on_theme_change(self, self.show_guide)

    def on_show(self) -> None:
        """Shown again (its tab chosen): look again, the other panes may have changed things."""
        if self.observations is not None:
            self.refresh_guide()
        if self._poll is not None:
            self._poll.resume()

    def on_hide(self) -> None:
        if self._poll is not None:
            self._poll.pause()

    def _columns(self) -> None:
        table = self.table
        table.clear(columns=True)
        table.add_column("", key="mark", width=3)
        table.add_column(_("Step"), key="step", width=34)
        table.add_column(_("Evidence"), key="evidence")

    def _show_items_looking(self) -> None:
        """The nine items at once, each `…` until the first look ends (it asks the engine,
        the builders and the registry, which takes a second or more)."""
        looking = _("Looking at the engine, the history and the registry…")
        for number, key in enumerate(ITEM_KEYS, 1):
            self.table.add_row(
                Text("…", style="dim"),
                f"{number}. {short_title(key, translator(language()))}",
                Text(looking, style="dim", no_wrap=True),
                key=key,
            )

    def _initial_focus(self) -> None:
        if self.app.focused is None and not hosted_in_tabs(self):
            self.table.focus()

    @property
    def table(self) -> DataTable[str | Text]:
        return self.query_one("#lab-table", DataTable)

    @property
    def highlighted(self) -> Item | None:
        if self.guide is None or self.table.row_count == 0:
            return None
        return self.guide.items[self.table.cursor_row]

    # -- workers ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="lab-observe", exit_on_error=False)
    def refresh_guide(self) -> None:
        self.post_message(self.Observed(self.service.observe()))

    @on(Observed)
    def show_observations(self, message: Observed) -> None:
        before = self.guide.items if self.guide is not None else None
        self.observations = message.observations
        self._failure = None
        self.show_guide()
        if self._poll is not None:
            after = self.guide.items if self.guide is not None else None
            self._poll.looked(changed=after != before)

    @on(Worker.StateChanged)
    def observing_failed(self, event: Worker.StateChanged) -> None:
        """A look at the lab that raised: said once (it is tried again every few seconds),
        never a guide that silently stops ticking."""
        worker = event.worker
        if event.state is not WorkerState.ERROR or worker.node is not self:
            return
        if worker.group == "lab-observe" and self._poll is not None:
            self._poll.looked(changed=True)  # on the first pace until it answers
        failure = f"{type(worker.error).__name__}: {worker.error}"
        if failure == self._failure:
            return
        self._failure = failure
        if worker.group == "lab-observe":
            text = _("The guide could not look at the lab: {error}. Press r to try again.")
        elif worker.group == "lab-submit":
            text = _("The lab was not submitted: {error}")
        else:
            text = _("The report could not be written: {error}")
        self.app.notify(text.format(error=failure), severity="error", timeout=8)

    def show_guide(self, row: int | None = None) -> None:
        """The guide's items in the table, the highlighted one kept (or `row`)."""
        if self.observations is None:
            return
        guide = self.service.guide(self.observations, language())
        self.guide = guide
        table = self.table
        if row is None:
            row = table.cursor_row
        table.clear()
        for item in guide.items:
            mark, title, evidence = item_row(item, translator(language()))
            table.add_row(
                themed_text(self.app, mark), title, themed_text(self.app, evidence), key=item.key
            )
        if guide.items:
            table.move_cursor(row=min(row, len(guide.items) - 1))
        self.query_one("#lab-title", Static).update(
            _("Laboratory 7: {progress} done").format(progress=guide.progress)
            + " · "
            + _("Enter opens the pane that does the highlighted step")
        )
        self.show_details()
        self.post_message(LabProgress(guide.done, len(guide.items)))

    @on(DataTable.RowHighlighted, "#lab-table")
    def show_details(self) -> None:
        item = self.highlighted
        if item is not None and self.guide is not None and self.observations is not None:
            translate = translator(language())
            details = item_details(item, translate)
            details.append_text(timeline_text(self.observations, self.guide.items, translate))
            self.query_one("#lab-details", ThemedStatic).show(details)

    # -- actions ---------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.refresh_guide()

    def action_go(self) -> None:
        item = self.highlighted
        if item is not None:
            self.post_message(ShowLabStep(item.target))

    @on(DataTable.RowSelected, "#lab-table")
    def row_selected(self) -> None:
        self.action_go()

    def action_language(self) -> None:
        """The whole app in the other language (the palette's language command too)."""
        switch_language(self)

    def retranslate(self) -> None:
        """Render again in the app's language (from what the pane holds), on the same
        item."""
        row = self.table.cursor_row
        self._columns()
        if self.observations is None:
            self.query_one("#lab-title", Static).update(_("Laboratory 7"))
            self.query_one("#lab-details", ThemedStatic).update(
                _("Looking at the engine, the history and the registry…")
            )
        self.show_guide(row)

    def action_report(self) -> None:
        if self.observations is None:
            self.app.notify(_("The guide is still looking; try again in a moment."))
            return
        self.write_report(self.observations, language())

    @work(thread=True, exclusive=True, group="lab-report", exit_on_error=False)
    def write_report(self, observations: Observations, language: str) -> None:
        try:
            paths, avoided = self.service.write_report(observations, language)
        except OSError as error:
            self.app.call_from_thread(
                self.app.notify,
                _("The report could not be written: {error}").format(error=error.strerror or error),
                severity="error",
            )
            return
        written = ", ".join(str(p) for p in paths)
        if avoided is None:
            text = _("Report written: {paths}").format(paths=written)
        else:
            text = _(
                "Report written: {paths} (not into the current folder: it is inside the "
                "build context {context}, where a new file would break the cache)"
            ).format(paths=written, context=avoided)
        self.app.call_from_thread(self.app.notify, text, timeout=12)

    def action_submit(self) -> None:
        """Ask for the class and the name (`SubmitScreen`), then hand the lab in."""
        if self.observations is None:
            self.app.notify(_("The guide is still looking; try again in a moment."))
            return
        from buildtui.app.lab.submit import SubmitScreen

        settings = self.service.settings
        observations = self.observations

        def chosen(values: tuple[str, str] | None) -> None:
            if values is not None:
                self.app.notify(_("Submitting the lab to {ref}…").format(ref=values[0]))
                self.submit(observations, *values)

        self.app.push_screen(SubmitScreen(settings.class_ref or "", settings.student or ""), chosen)

    @work(thread=True, exclusive=True, group="lab-submit", exit_on_error=False)
    def submit(self, observations: Observations, to: str, student: str) -> None:
        from buildtui.classroom.submit import SubmitError, submit_lab
        from buildtui.registry.errors import RegistryError

        service = self.service
        try:
            result = submit_lab(
                service, observations, to, student, language(), opener=service.class_registry
            )
        except (SubmitError, RegistryError, ValueError) as error:
            self.app.call_from_thread(
                self.app.notify,
                _("The lab was not submitted: {error}").format(error=error),
                severity="error",
                timeout=15,
            )
            return
        lines = [
            _("Submitted: {ref}, {progress} done, digest {digest}.").format(
                ref=result.reference, progress=result.bundle.progress, digest=result.digest
            )
        ]
        if result.student.mapped:
            lines.append(
                _(
                    "Your name is tagged {tag}: a tag holds only ASCII letters, digits, _ . and -."
                ).format(tag=result.student.tag)
            )
        if result.earlier:
            lines.append(
                _(
                    "It replaces your earlier submission; the earlier ones stay in the registry "
                    "by digest ({count})."
                ).format(count=len(result.earlier))
            )
        self.app.call_from_thread(self.app.notify, "\n".join(lines), timeout=15)
