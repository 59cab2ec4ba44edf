"""`buildx du` of one builder: every cache record and the totals."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable

from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.app.shared.screen_table import ScreenTable
from buildtui.app.shared.themed_static import ThemedStatic
from buildtui.buildx.builders import BuildersBackend
from buildtui.buildx.commands import du_args, render_command
from buildtui.buildx.errors import BuildxError
from buildtui.buildx.models import DiskUsage
from buildtui.buildx.presentation import error_text
from buildtui.buildx.presentation_actions import RECORD_COLUMNS, record_cells, totals_text
from buildtui.i18n import N_, _
from buildtui.untrusted import screen_text


class DiskUsageScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    DiskUsageScreen {
        align: center middle;
    }
    DiskUsageScreen > Vertical {
        width: 95%;
        height: 85%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    DiskUsageScreen #du-command {
        padding: 0 1;
        background: $boost;
    }
    DiskUsageScreen #du-table {
        height: 1fr;
    }
    DiskUsageScreen #du-totals {
        height: auto;
    }
    """
    BINDINGS = [Binding("escape", "close", N_("Close"), id="builder_du.close")]

    @dataclass
    class Measured(Message):
        usage: DiskUsage | None
        error: BuildxError | None

    def __init__(self, service: BuildersBackend, name: str) -> None:
        super().__init__()
        self.service = service
        self.builder = name
        self.usage: DiskUsage | None = None

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = screen_text(
                _("Disk usage of {builder}").format(builder=self.builder), one_line=True
            )
            box.border_subtitle = _("Esc closes")
            yield ScreenStatic(
                f"$ {render_command(self.service.command_prefix, du_args(self.builder))}",
                id="du-command",
            )
            table: DataTable[str] = ScreenTable(id="du-table", cursor_type="row")
            yield table
            yield ThemedStatic(Text(_("Reading…"), style="italic"), id="du-totals")

    def on_mount(self) -> None:
        table = self.query_one("#du-table", DataTable)
        for column in RECORD_COLUMNS:
            table.add_column(_(column), key=column)
        self.measure()

    @work(thread=True, exclusive=True, group="builder-du", exit_on_error=False)
    def measure(self) -> None:
        try:
            usage = self.service.disk_usage(self.builder)
        except BuildxError as error:
            self.post_message(self.Measured(None, error))
            return
        self.post_message(self.Measured(usage, None))

    @on(Measured)
    def measured(self, message: Measured) -> None:
        totals = self.query_one("#du-totals", ThemedStatic)
        if message.usage is None:
            error = message.error
            text = (
                error_text(error) if error is not None else Text(_("No answer"), style="bold error")
            )
            totals.show(text)
            return
        self.usage = message.usage
        table = self.query_one("#du-table", DataTable)
        table.clear()
        for record in message.usage.records:
            table.add_row(*record_cells(record), key=record.id)
        totals.show(totals_text(message.usage))

    def action_close(self) -> None:
        self.dismiss(None)
