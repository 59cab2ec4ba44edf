"""Everything `docker buildx inspect NAME` shows, read in a thread worker."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen

from buildtui.app.shared.screen_static import ScreenStatic
from buildtui.app.shared.themed_static import ThemedStatic
from buildtui.buildx.builders import BuildersBackend
from buildtui.buildx.commands import inspect_args, render_command
from buildtui.buildx.errors import BuildxError
from buildtui.buildx.models import Inspection
from buildtui.buildx.presentation import error_text
from buildtui.buildx.presentation_actions import inspection_text
from buildtui.i18n import N_, _
from buildtui.untrusted import screen_text


class InspectBuilderScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    InspectBuilderScreen {
        align: center middle;
    }
    InspectBuilderScreen > Vertical {
        width: 110;
        max-width: 95%;
        height: 85%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    InspectBuilderScreen #inspect-command {
        padding: 0 1;
        background: $boost;
    }
    """
    BINDINGS = [Binding("escape", "close", N_("Close"), id="builder_inspect.close")]

    @dataclass
    class Inspected(Message):
        inspection: Inspection | None
        error: BuildxError | None

    def __init__(self, service: BuildersBackend, name: str) -> None:
        super().__init__()
        self.service = service
        self.builder = name

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = screen_text(
                _("Inspect {builder}").format(builder=self.builder), one_line=True
            )
            box.border_subtitle = _("Esc closes")
            yield ScreenStatic(
                f"$ {render_command(self.service.command_prefix, inspect_args(self.builder))}",
                id="inspect-command",
            )
            with VerticalScroll():
                yield ThemedStatic(Text(_("Reading…"), style="italic"), id="inspect-body")

    def on_mount(self) -> None:
        self.inspect()

    @work(thread=True, exclusive=True, group="builder-inspect", exit_on_error=False)
    def inspect(self) -> None:
        try:
            inspection = self.service.inspect(self.builder)
        except BuildxError as error:
            self.post_message(self.Inspected(None, error))
            return
        self.post_message(self.Inspected(inspection, None))

    @on(Inspected)
    def inspected(self, message: Inspected) -> None:
        body = self.query_one("#inspect-body", ThemedStatic)
        if message.inspection is not None:
            body.show(inspection_text(message.inspection))
        elif message.error is not None:
            body.show(error_text(message.error))

    def action_close(self) -> None:
        self.dismiss(None)
