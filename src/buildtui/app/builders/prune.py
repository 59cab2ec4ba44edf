"""Prune a builder's cache: choose all / filters / keep-storage, see what goes, confirm."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Checkbox, DataTable, Input, Label, Static

from buildtui.app.shared.marks import MarkedCheckbox
from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.app.shared.screen_table import ScreenTable
from buildtui.app.shared.themed_static import ThemedStatic
from buildtui.buildx.builders import BuildersBackend
from buildtui.buildx.commands import prune_args, render_command, split_list, validate_prune
from buildtui.buildx.errors import BuildxError
from buildtui.buildx.models import PruneOptions, PrunePreview
from buildtui.buildx.presentation import error_text
from buildtui.buildx.presentation_actions import RECORD_COLUMNS, prune_summary_text, record_cells
from buildtui.i18n import N_, _
from buildtui.untrusted import screen_text

PREVIEW_DELAY = 0.3


class PruneScreen(ModalScreen[PruneOptions | None]):
    """Returns the options to prune with, or None. The preview comes from `buildx du`."""

    DEFAULT_CSS = """
    PruneScreen {
        align: center middle;
    }
    PruneScreen > Vertical {
        width: 95%;
        height: 90%;
        border: thick $error;
        background: $surface;
        padding: 0 1;
    }
    PruneScreen Horizontal {
        height: auto;
    }
    PruneScreen Horizontal > * {
        margin: 0 2 1 0;
    }
    PruneScreen #prune-filters {
        width: 1fr;
    }
    PruneScreen #prune-keep {
        width: 20;
    }
    PruneScreen #prune-command {
        padding: 0 1;
        background: $boost;
    }
    PruneScreen #prune-table {
        height: 1fr;
    }
    PruneScreen #prune-summary {
        height: auto;
    }
    PruneScreen Button {
        margin-right: 2;
    }
    """
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="builder_prune.cancel")]

    class Previewed(Message):
        def __init__(
            self, options: PruneOptions, preview: PrunePreview | None, error: BuildxError | None
        ) -> None:
            super().__init__()
            self.options = options
            self.preview = preview
            self.error = error

    def __init__(self, service: BuildersBackend, name: str) -> None:
        super().__init__()
        self.service = service
        self.builder = name
        self.preview: PrunePreview | None = None
        self.error: BuildxError | None = None
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = screen_text(
                _("Prune the build cache of {builder}?").format(builder=self.builder), one_line=True
            )
            with Horizontal():
                yield MarkedCheckbox(
                    _("all (--all: also internal, frontend, shared)"), id="prune-all", compact=True
                )
                yield Label("keep")
                yield Input(placeholder="e.g. 1GB", id="prune-keep", compact=True)
            with Horizontal():
                yield Label("filters")
                yield Input(
                    placeholder="key=value … e.g. until=24h type=regular",
                    id="prune-filters",
                    compact=True,
                )
            yield ScreenStatic(id="prune-command")
            yield ThemedStatic(Text(_("This removes:"), style="bold error"))
            table: DataTable[str] = ScreenTable(id="prune-table", cursor_type="row")
            yield table
            yield ThemedStatic(Text(_("Reading the cache…"), style="italic"), id="prune-summary")
            with Horizontal():
                yield Button(_("Cancel"), id="prune-cancel")
                yield Button(_("Prune"), id="prune-ok", variant="error", disabled=True)

    def on_mount(self) -> None:
        table = self.query_one("#prune-table", DataTable)
        for column in RECORD_COLUMNS:
            table.add_column(_(column), key=column)
        self.options_changed()
        self.query_one("#prune-cancel", Button).focus()

    @property
    def options(self) -> PruneOptions:
        return PruneOptions(
            all=self.query_one("#prune-all", Checkbox).value,
            filters=split_list(self.query_one("#prune-filters", Input).value),
            keep_storage=self.query_one("#prune-keep", Input).value.strip(),
        )

    @on(Checkbox.Changed)
    @on(Input.Changed)
    def options_changed(self) -> None:
        options = self.options
        self.query_one("#prune-ok", Button).disabled = True
        self.query_one("#prune-command", Static).update(
            f"$ {render_command(self.service.command_prefix, prune_args(self.builder, options))}"
        )
        try:
            validate_prune(options)
        except BuildxError as error:
            self.show_summary(error=error)
            return
        self.query_one("#prune-summary", ThemedStatic).show(
            Text(_("Reading the cache…"), style="italic")
        )
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(PREVIEW_DELAY, lambda: self.compute_preview(options))

    @work(thread=True, exclusive=True, group="builder-prune-preview", exit_on_error=False)
    def compute_preview(self, options: PruneOptions) -> None:
        try:
            preview = self.service.prune_preview(self.builder, options)
        except BuildxError as error:
            self.post_message(self.Previewed(options, None, error))
            return
        self.post_message(self.Previewed(options, preview, None))

    @on(Previewed)
    def previewed(self, message: Previewed) -> None:
        if message.options != self.options:
            return  # the options changed since: a newer preview is coming
        self.preview = message.preview
        table = self.query_one("#prune-table", DataTable)
        table.clear()
        if message.preview is not None:
            for record in message.preview.records:
                table.add_row(*record_cells(record), key=record.id)
        self.show_summary(message.preview, message.error)

    def show_summary(
        self, preview: PrunePreview | None = None, error: BuildxError | None = None
    ) -> None:
        self.error = error
        summary = self.query_one("#prune-summary", ThemedStatic)
        button = self.query_one("#prune-ok", Button)
        if error is not None:
            summary.show(error_text(error))
            button.disabled = True
            return
        if preview is None:
            return
        summary.show(prune_summary_text(preview))
        button.disabled = not preview.records and not preview.estimate

    @on(Button.Pressed, "#prune-ok")
    def confirm(self) -> None:
        self.dismiss(self.options)

    @on(Button.Pressed, "#prune-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
