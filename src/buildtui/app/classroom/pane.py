"""The Class pane: every submission of a class, from one terminal.

The class is read in an async worker (the registry's requests run on its client's
thread); each submission shows as a row as soon as it is read, and changes when a copy
is found or its digests have been checked. The highlighted row's details are below the
table; Enter shows that student's report. Everything in a submission is a student's
data: the table and the details are screen text (no markup, no control codes).
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import DataTable
from textual.worker import Worker, WorkerState

from buildtui.app.commands import Command, bindings
from buildtui.app.running import switch_language
from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.app.shared.screen_table import ScreenTable
from buildtui.app.shared.themed_static import ThemedStatic
from buildtui.app.theme_styles import on_theme_change, themed_text
from buildtui.classroom.present import LINE_MAX, row_cells, row_details
from buildtui.classroom.service import ClassRow, ClassService
from buildtui.i18n import N_, _, language, translator
from buildtui.registry.errors import NotFound, RegistryError
from buildtui.untrusted import visible

PANE_COMMANDS = (
    Command("class.report", "enter", "open_report", N_("Report"), N_("Show the student's report")),
    Command("class.refresh", "r", "refresh", N_("Refresh"), N_("Read the class again")),
    Command(
        "class.language",
        "l",
        "language",
        N_("EN/PL"),
        N_("Switch the whole app between English and Polish"),
    ),
)
LEVEL_STYLES = {"ok": "success", "warning": "bold warning", "error": "bold error"}
EVIDENCE_WIDTH = 90
"""Characters of the evidence cell at most (the details have the whole sentence)."""
COLUMNS = ("student", "submitted", "done", "not_done", "evidence")


class ClassPane(Widget):
    DEFAULT_CSS = """
    ClassPane {
        height: 1fr;
        layout: vertical;
    }
    ClassPane #class-title {
        height: 1;
        padding: 0 1;
        text-style: bold;
    }
    ClassPane #class-table {
        height: auto;
        max-height: 60%;
    }
    ClassPane #class-details-box {
        height: 1fr;
        min-height: 6;
        border-top: solid $primary;
    }
    ClassPane #class-details {
        padding: 0 1;
    }
    """
    COMMANDS = PANE_COMMANDS
    BINDINGS = bindings(PANE_COMMANDS)
    AUTO_FOCUS = "#class-table"

    def __init__(
        self,
        service: ClassService,
        *,
        cli: str = "buildtui",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.service = service
        self.cli = cli
        self.rows: dict[str, ClassRow] = {}
        self.shown: dict[str, tuple[str | Text, ...]] = {}
        """Each row's cells as the table shows them (only what changed is updated)."""
        self._title_due = False
        self.reading = False
        self.problem: str | None = None
        """Why the class could not be read (None: it was, or is being)."""

    @property
    def class_ref(self) -> str:
        return str(self.service.ref)

    def compose(self) -> ComposeResult:
        yield ScreenStatic("", id="class-title")
        yield ScreenTable(id="class-table", cursor_type="row")
        with VerticalScroll(id="class-details-box"):
            yield ThemedStatic("", id="class-details")

    def on_mount(self) -> None:
        self._columns()
        self.read_class()
        on_theme_change(self, self._restyle)
        self.call_after_refresh(self.table.focus)

    @property
    def table(self) -> DataTable[str | Text]:
        return self.query_one("#class-table", DataTable)

    def _columns(self) -> None:
        table = self.table
        table.clear(columns=True)
        for key, title, width in (
            ("student", _("Student"), 20),
            ("submitted", _("Submitted"), 11),
            ("done", _("Done"), 5),
            ("not_done", _("Not done"), 12),
        ):
            table.add_column(title, key=key, width=max(width, len(title)))
        table.add_column(_("Evidence"), key="evidence")

    # -- reading -------------------------------------------------------------------------

    @work(exclusive=True, group="class-read", exit_on_error=False)
    async def read_class(self) -> None:
        self.rows.clear()
        self.shown.clear()
        self.table.clear()
        self.problem = None
        self.reading = True
        self._title()
        self._details()
        try:
            self.service.translate = translator(language())
            listing = await self.service.read(self.show_row)
        except NotFound as error:
            self.problem = (
                _("No submission yet: {ref} does not exist in its registry.").format(
                    ref=self.class_ref
                )
                if error.what == "repository"
                else str(error)
            )
        except RegistryError as error:
            self.problem = str(error)
        else:
            self.problem = listing.cut
        finally:
            self.reading = False
        self._sort()
        self._title()
        self._details()

    @on(Worker.StateChanged)
    def read_failed(self, event: Worker.StateChanged) -> None:
        """A read that raised something unexpected: said, never a list that stops."""
        if event.worker.node is not self or event.state is not WorkerState.ERROR:
            return
        self.reading = False
        self.problem = f"{type(event.worker.error).__name__}: {event.worker.error}"
        self._title()
        self._details()

    def show_row(self, row: ClassRow) -> None:
        """A submission read (or changed): its row added, or its cells updated."""
        table = self.table
        cells = self._cells(row)
        before = self.shown.get(row.tag)
        if before is None:
            table.add_row(*cells, key=row.tag)
            if not self._title_due:  # at most one title a turn of the loop
                self._title_due = True
                self.call_later(self._title)
        else:
            for key, cell, old in zip(COLUMNS, cells, before, strict=True):
                if cell != old:  # a longer sentence once the digests are checked
                    table.update_cell(row.tag, key, cell, update_width=True)
        self.rows[row.tag] = row
        self.shown[row.tag] = cells
        highlighted = self.highlighted
        if highlighted is None or highlighted.tag == row.tag:
            self._details()

    def _cells(self, row: ClassRow) -> tuple[str | Text, ...]:
        cells = row_cells(row, translator(language()))
        # Rich drops some control characters from a Text it is given: shown first.
        shown = visible(cells.evidence, one_line=True)
        if len(shown) > EVIDENCE_WIDTH:  # the details below have it whole
            shown = shown[: EVIDENCE_WIDTH - 1] + "…"
        evidence = themed_text(self.app, Text(shown, style=LEVEL_STYLES[cells.level]))
        return cells.student, cells.submitted, cells.progress, cells.not_done, evidence

    def _sort(self) -> None:
        if not self.rows:
            return
        current = self.highlighted

        def order(cell: object) -> str:
            return cell.plain.casefold() if isinstance(cell, Text) else str(cell).casefold()

        self.table.sort("student", key=order)  # the rows as they are, in another order
        if current is not None:
            self.table.move_cursor(row=self.table.get_row_index(current.tag))

    def _restyle(self) -> None:
        for row in self.rows.values():
            cells = self._cells(row)
            self.shown[row.tag] = cells
            self.table.update_cell(row.tag, "evidence", cells[4], update_width=True)

    def _title(self) -> None:
        self._title_due = False
        count = len(self.rows)
        if self.reading:
            text = _("Class {ref}: reading the submissions… {count} read so far").format(
                ref=self.class_ref, count=count
            )
        else:
            text = _("Class {ref}, submissions: {count}").format(ref=self.class_ref, count=count)
        text += " · " + _("Enter shows the highlighted student's report")
        self.query_one("#class-title", ScreenStatic).update(text)

    @property
    def highlighted(self) -> ClassRow | None:
        table = self.table
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.rows.get(key or "")

    @on(DataTable.RowHighlighted, "#class-table")
    def _details(self) -> None:
        details = self.query_one("#class-details", ThemedStatic)
        row = self.highlighted
        if row is None:
            if self.problem:
                details.show(Text(visible(self.problem), style="error"))
            elif self.reading:
                details.show(Text(_("Reading the class's registry…"), style="muted"))
            else:
                details.show(Text(_("No submission yet."), style="muted"))
            return
        text = Text()
        if self.problem:
            text.append(visible(self.problem) + "\n", style="warning")
        for line in row_details(row, self.class_ref, self.cli, translator(language())):
            style = "error" if line.lstrip().startswith("! ") else ""
            shown = line if len(line) <= LINE_MAX else line[:LINE_MAX] + "…"
            text.append(visible(shown) + "\n", style=style)
        details.show(text)

    # -- actions -------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.read_class()

    def action_language(self) -> None:
        """The whole app in the other language (in `buildtui class` too)."""
        switch_language(self)

    def retranslate(self) -> None:
        """Read the class again in the app's language: what the checks found is said in
        the language it was read in."""
        self._columns()
        self.read_class()

    def action_open_report(self) -> None:
        row = self.highlighted
        if row is None:
            return
        if row.submission.summary is None or row.submission.digest is None:
            self.app.notify(
                _("This submission cannot be read, so it has no report to show."),
                severity="warning",
            )
            return
        from buildtui.app.classroom.report import ClassReportScreen

        self.app.push_screen(
            ClassReportScreen(self.service, row.submission.student, row.submission.digest)
        )

    @on(DataTable.RowSelected, "#class-table")
    def row_selected(self) -> None:
        self.action_open_report()
