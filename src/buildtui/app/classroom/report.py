"""A student's submitted report, shown in the app as the data it is (never markup)."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen

from buildtui.app.shared.themed_static import ThemedStatic
from buildtui.classroom.present import report_text
from buildtui.classroom.schema import Malformed
from buildtui.classroom.service import ClassService
from buildtui.i18n import N_, _, language, translator
from buildtui.registry.errors import RegistryError
from buildtui.untrusted import screen_text


class ClassReportScreen(ModalScreen[None]):
    """The Markdown report of one submission (by its digest: the one listed, even if the
    student has submitted again since)."""

    DEFAULT_CSS = """
    ClassReportScreen {
        align: center middle;
    }
    ClassReportScreen > VerticalScroll {
        width: 96%;
        height: 94%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape,q", "dismiss", N_("Close"), id="class_report.close")]
    AUTO_FOCUS = "#class-report-box"

    def __init__(self, service: ClassService, student: str, digest: str) -> None:
        super().__init__()
        self.service = service
        self.student = student
        self.digest = digest
        self.text: str | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="class-report-box") as box:
            box.border_title = screen_text(
                _("Report of {name}").format(name=self.student), one_line=True
            )
            box.border_subtitle = screen_text(_("escape to close"), one_line=True)
            yield ThemedStatic(_("Reading the report…"), id="class-report")

    def on_mount(self) -> None:
        self.load()

    @work(exclusive=True, group="class-report", exit_on_error=False)
    async def load(self) -> None:
        shown = self.query_one("#class-report", ThemedStatic)
        try:
            self.text = await self.service.report(self.digest)
        except (Malformed, RegistryError) as error:
            shown.show(_("The report cannot be read: {error}").format(error=error))
            return
        shown.show(report_text(self.text, translator(language())))
